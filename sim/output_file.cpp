#include "sim/output_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "sim/params.h"

namespace dmasim {

namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "/dev/stdout" -> 1, "/dev/fd/7" or "/proc/self/fd/7" -> 7; -1 for any other path. These name
// a descriptor the caller handed us, which is written to, never opened anew or replaced.
int inherited_descriptor(const std::string& path) {
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::size_t n = std::strlen(prefix);
    if (path.compare(0, n, prefix) != 0 || path.size() == n || path.size() > n + 6) continue;
    if (path.find_first_not_of("0123456789", n) != std::string::npos) continue;
    return std::atoi(path.c_str() + n);
  }
  return -1;
}

// A path in a message: at most kQuoteMax characters of it, so the message stays one short line.
std::string in_quotes(const std::string& path) {
  return "'" + clipped(path) + "'";
}

mode_t new_file_mode() {
  static const mode_t mode = [] {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return static_cast<mode_t>(0666 & ~mask);
  }();
  return mode;
}

}  // namespace

OutputTarget check_output(const std::string& path, const std::string& option, bool allow_stdout) {
  OutputTarget t;
  t.option = option;
  t.path = path;
  auto refuse = [&](const std::string& why) {
    return UsageError(option + ": cannot write " + in_quotes(path) + " (" + why + ")");
  };
  if (path.empty()) throw UsageError(option + ": empty value (expected a path)");
  if (path == "-" && !allow_stdout)
    throw UsageError(option + ": '-' (standard output) is not accepted here; give a file path");
  // Follow symlinks one hop at a time: the last name is the file to write, which may not exist.
  std::string file = path == "-" ? "/dev/stdout" : path;
  struct stat st {};
  bool exists = false;
  for (int hops = 0;; ++hops) {
    const int fd = inherited_descriptor(file);
    if (fd >= 0) {
      if (::fstat(fd, &st) != 0) throw refuse("descriptor " + std::to_string(fd) + " is not open");
      t.kind = OutputTarget::Kind::kDescriptor;
      t.fd = fd;
      t.exists = true;
      t.dev = st.st_dev;
      t.ino = st.st_ino;
      t.file = file;
      return t;
    }
    if (hops > 40) throw refuse("too many levels of symbolic links");
    if (::lstat(file.c_str(), &st) != 0) {
      if (errno != ENOENT) throw refuse(std::strerror(errno));
      break;
    }
    if (!S_ISLNK(st.st_mode)) {
      exists = true;
      break;
    }
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(file.c_str(), buf, sizeof buf - 1);
    if (n < 0) throw refuse(std::strerror(errno));
    const std::string link(buf, static_cast<std::size_t>(n));
    file = link[0] == '/' ? link : dir_of(file) + "/" + link;
  }
  t.file = file;
  t.exists = exists;
  if (exists) {
    t.dev = st.st_dev;
    t.ino = st.st_ino;
    if (S_ISDIR(st.st_mode)) throw refuse("it is a directory");
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
      if (::access(file.c_str(), W_OK) != 0) throw refuse(std::strerror(errno));
      t.kind = OutputTarget::Kind::kInPlace;
      return t;
    }
    if (!S_ISREG(st.st_mode)) throw refuse("not a regular file, FIFO or character device");
    if (::access(file.c_str(), W_OK) != 0) throw refuse(std::strerror(errno));
  }
  const std::string dir = dir_of(file);
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode))
    throw refuse("directory " + in_quotes(dir) + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0) throw refuse(in_quotes(dir) + ": " + std::strerror(errno));
  if (!exists) {
    // A new file is known by its place: the real directory and its name.
    char real[PATH_MAX];
    if (::realpath(dir.c_str(), real)) t.file = std::string(real) + "/" + base_of(file);
  }
  t.kind = OutputTarget::Kind::kReplace;
  return t;
}

void check_distinct(const std::vector<const OutputTarget*>& targets) {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const OutputTarget& a = *targets[j];
      const OutputTarget& b = *targets[i];
      const bool same = a.exists && b.exists     ? a.dev == b.dev && a.ino == b.ino
                        : !a.exists && !b.exists ? a.file == b.file
                                                 : false;
      if (!same) continue;
      struct stat st {};
      const bool chardev = a.exists && ::stat(a.file.c_str(), &st) == 0 && S_ISCHR(st.st_mode) &&
                           a.kind == OutputTarget::Kind::kInPlace;
      if (chardev) continue;
      throw UsageError(a.option + " and " + b.option + ": both name the same file (" +
                       in_quotes(a.path) + ", " + in_quotes(b.path) + ")");
    }
  }
}

void check_not_input(const OutputTarget& target, const std::string& input,
                     const std::string& input_option) {
  struct stat st {};
  if (input.empty() || !target.exists || ::stat(input.c_str(), &st) != 0) return;
  if (st.st_dev == target.dev && st.st_ino == target.ino && !S_ISCHR(st.st_mode))
    throw UsageError(target.option + ": " + in_quotes(target.path) + " is the file " +
                     input_option + " reads; it would be replaced");
}

namespace {
const volatile int* g_stop_flag = nullptr;
}  // namespace

void set_output_stop_flag(const volatile int* flag) {
  g_stop_flag = flag;
}

OutputWriter::OutputWriter(const OutputTarget& target) : target_(target) {
  switch (target_.kind) {
    case OutputTarget::Kind::kDescriptor:
      fd_ = ::fcntl(target_.fd, F_DUPFD_CLOEXEC, 3);
      if (fd_ < 0) fail("cannot write", errno);
      break;
    case OutputTarget::Kind::kInPlace:
      // A FIFO without a reader: wait for one (as a shell's redirection would), but not past a
      // SIGINT/SIGTERM; a blocking open() would sleep through the signal (SA_RESTART).
      for (;;) {
        fd_ = ::open(target_.file.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (fd_ >= 0 || errno != ENXIO) break;
        if (g_stop_flag && *g_stop_flag) {
          errno = EINTR;
          break;
        }
        ::usleep(20000);
      }
      if (fd_ < 0) {
        fail("cannot open", errno);
        break;
      }
      ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);  // writes block as usual
      break;
    case OutputTarget::Kind::kReplace: {
      // Hidden, unique, beside the target: the rename is atomic and stays on one file system.
      std::string name = dir_of(target_.file) + "/." + base_of(target_.file) + ".dmasim-XXXXXX";
      fd_ = ::mkostemp(name.data(), O_CLOEXEC);
      if (fd_ < 0) {
        fail("cannot create a temporary beside", errno);
        break;
      }
      tmp_ = name;
      struct stat st {};
      if (target_.exists && ::stat(target_.file.c_str(), &st) == 0) {
        ::fchmod(fd_, st.st_mode & 07777);
        if (::geteuid() == 0) (void)!::fchown(fd_, st.st_uid, st.st_gid);
      } else {
        ::fchmod(fd_, new_file_mode());
      }
      break;
    }
  }
}

OutputWriter::~OutputWriter() {
  abandon();
}

bool OutputWriter::fail(const std::string& what, int err) {
  abandon();
  if (error_.empty())
    error_ = one_line(target_.option + ": " + what + " " + in_quotes(target_.path) + ": " +
                      std::strerror(err));
  return false;
}

bool OutputWriter::write(const char* data, std::size_t n) {
  if (!error_.empty() || done_) return false;
  while (n > 0) {
    const ssize_t w = ::write(fd_, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return fail("cannot write", w < 0 ? errno : EIO);
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool OutputWriter::commit() {
  if (!error_.empty()) return false;
  if (done_) return true;
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return fail("cannot write", errno);
  if (!tmp_.empty() && ::rename(tmp_.c_str(), target_.file.c_str()) != 0)
    return fail("cannot rename onto", errno);
  tmp_.clear();
  done_ = true;
  return true;
}

void OutputWriter::abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  done_ = true;
}

void write_output(const OutputTarget& target, const std::string& text) {
  OutputWriter w(target);
  if (!w.write(text) || !w.commit()) throw OutputError(w.error());
}

}  // namespace dmasim
