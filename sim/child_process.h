// Starting other programs without a shell: argv goes straight to execv/execvp, so no value a user
// or a results file supplies is ever parsed as shell syntax.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dmasim {

struct SpawnOptions {
  bool search_path = false;  // execvp (a program name found on PATH) rather than execv
  int stdin_fd = -1;         // -1: inherited
  int stdout_fd = -1;
  int stderr_fd = -1;
  // In a process group of its own (so a terminal's ^C reaches only us; we forward it).
  bool own_group = false;
};

// Forks and executes argv[0]. The child starts with no signal blocked and with every signal at
// its default action, and gets SIGTERM if this process dies first (no child outlives it).
// Returns the child's pid; throws std::runtime_error if fork fails. A failed exec is exit 127.
pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

// Waits for the child (retrying on EINTR) and returns its wait status.
int wait_child(pid_t pid);

// Whether `program` names an executable file on PATH.
bool on_path(const std::string& program);

// Single-quotes `s` for the POSIX shell when it holds anything but plain word characters.
std::string shell_quote(const std::string& s);

}  // namespace dmasim
