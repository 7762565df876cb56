// Runs a list of commands as child processes, a few at a time, and stops cleanly on SIGINT or
// SIGTERM: the signal is forwarded to every running child, each is waited for, none is left
// running and no further one starts.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace dmasim {

// Blocks SIGINT and SIGTERM (and SIGCHLD) in this process while alive, so that a signal at any
// moment of a sweep (checking, running, writing) is held until it is asked for; the previous
// mask is restored at the end.
class SignalHold {
 public:
  SignalHold();
  ~SignalHold();
  SignalHold(const SignalHold&) = delete;
  SignalHold& operator=(const SignalHold&) = delete;
  // SIGINT or SIGTERM if one arrived and was not yet taken, else 0 (never waits).
  int take_pending();

 private:
  struct Impl;
  Impl* impl_;
};

// Runs commands[i] (argv, argv[0] a path) with at most `jobs` at once, each in a process group
// of its own (a terminal's ^C reaches the caller, which forwards it once). Calls on_done(i,
// wait status, wall seconds) as each ends. Needs a SignalHold in scope. Returns 0 when all ran,
// or the signal (SIGINT, SIGTERM) that stopped it; then the commands not started were skipped.
int run_pool(const std::vector<std::vector<std::string>>& commands, unsigned jobs,
             const std::function<void(std::size_t, int, double)>& on_done);

}  // namespace dmasim
