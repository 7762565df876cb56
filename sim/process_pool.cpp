#include "sim/process_pool.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <map>

#include "sim/child_process.h"

namespace dmasim {

namespace {

sigset_t held_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGCHLD);
  return set;
}

}  // namespace

struct SignalHold::Impl {
  sigset_t old;
  int pending = 0;  // a stop signal taken by run_pool, not yet asked for
};

SignalHold::SignalHold() : impl_(new Impl) {
  const sigset_t set = held_signals();
  sigprocmask(SIG_BLOCK, &set, &impl_->old);
}

SignalHold::~SignalHold() {
  // Stop signals that arrived and were never asked for are dropped with the hold: the caller
  // decided when to look (take_pending) and has finished.
  take_pending();
  sigprocmask(SIG_SETMASK, &impl_->old, nullptr);
  delete impl_;
}

int SignalHold::take_pending() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  const timespec now{0, 0};
  int sig = 0;
  for (int s; (s = sigtimedwait(&stop, nullptr, &now)) > 0;)
    if (!sig) sig = s;
  return sig;
}

int run_pool(const std::vector<std::vector<std::string>>& commands, unsigned jobs,
             const std::function<void(std::size_t, int, double)>& on_done) {
  using Clock = std::chrono::steady_clock;
  struct Running {
    std::size_t index;
    Clock::time_point start;
  };
  std::map<pid_t, Running> running;
  std::size_t next = 0;
  int stop = 0;
  const sigset_t set = held_signals();
  SpawnOptions options;
  options.own_group = true;
  for (;;) {
    while (!stop && running.size() < jobs && next < commands.size()) {
      running[spawn(commands[next], options)] = {next, Clock::now()};
      ++next;
    }
    if (running.empty()) break;
    siginfo_t info{};
    const int sig = sigwaitinfo(&set, &info);
    if (sig < 0 && errno != EINTR) break;
    if (sig == SIGINT || sig == SIGTERM) {
      // Forward every time: a second ^C reaches the children too (they decide what it means).
      if (!stop) stop = sig;
      for (const auto& [pid, r] : running) kill(pid, sig);
    }
    // SIGCHLD is not queued per child: reap every child that has ended.
    for (auto it = running.begin(); it != running.end();) {
      int status = 0;
      const pid_t pid = waitpid(it->first, &status, WNOHANG);
      if (pid == 0 || (pid < 0 && errno == EINTR)) {
        ++it;
        continue;
      }
      const Running r = it->second;
      it = running.erase(it);
      if (pid < 0) status = -1;  // not ours any more (cannot happen): counted as failed
      on_done(r.index, status, std::chrono::duration<double>(Clock::now() - r.start).count());
    }
  }
  return stop;
}

}  // namespace dmasim
