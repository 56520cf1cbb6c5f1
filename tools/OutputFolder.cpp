//===- OutputFolder.cpp - a compile's outputs, put in place whole ---------===//
#include "tools/OutputFolder.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace modelc {
namespace {

// Every output folder holds this file: a folder with it may be replaced.
constexpr const char *kStamp = ".modelc-output";
// Staging folders are "<parent>/.modelc-staging-<pid>-XXXXXX": short (a long
// model name must not make them fail where the outputs would not), and
// with the pid so that one left by a killed compile can be recognized.
constexpr const char *kStagingPrefix = ".modelc-staging-";

void printError(const llvm::Twine &msg) {
  llvm::errs() << "modelc: error: " << msg << "\n";
}
mlir::LogicalResult fail(const llvm::Twine &msg) {
  printError(msg);
  return mlir::failure();
}

//===----------------------------------------------------------------------===//
// Interrupts and crashes: remove the staging folder, then die of the signal.
//===----------------------------------------------------------------------===//

char gStaging[PATH_MAX]; // the folder to remove; "" when there is none
const int kInterrupts[] = {SIGINT, SIGTERM, SIGHUP};
// A crash (in Halide, say) must not leave the staging folder behind either.
const int kCrashes[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};

struct Dirent64 { // struct linux_dirent64 (getdents64(2))
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

/// Removes `name` (in folder `parentFd`) and everything below it with system
/// calls only, so that it may run in a signal handler.
void removeTree(int parentFd, const char *name, int depth) {
  if (::unlinkat(parentFd, name, 0) == 0 || errno != EISDIR || depth > 16)
    return;
  int fd = ::openat(parentFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0)
    return;
  alignas(8) char buf[2048];
  // Entries vanish as they are removed: read from the start until empty.
  for (int pass = 0; pass < 1024; ++pass) {
    ::lseek(fd, 0, SEEK_SET);
    long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
    bool any = false;
    for (long off = 0; off < n;) {
      auto *d = reinterpret_cast<Dirent64 *>(buf + off);
      off += d->reclen;
      if (!std::strcmp(d->name, ".") || !std::strcmp(d->name, ".."))
        continue;
      any = true;
      removeTree(fd, d->name, depth + 1);
    }
    if (!any)
      break;
  }
  ::close(fd);
  ::unlinkat(parentFd, name, AT_REMOVEDIR);
}

extern "C" void onInterrupt(int sig) {
  if (gStaging[0])
    removeTree(AT_FDCWD, gStaging, 0);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void installInterruptHandlers() {
  static bool installed = false;
  if (installed)
    return;
  installed = true;
  struct sigaction sa = {};
  sa.sa_handler = onInterrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : kInterrupts)
    sigaddset(&sa.sa_mask, sig);
  for (int sig : kInterrupts)
    ::sigaction(sig, &sa, nullptr);
  for (int sig : kCrashes)
    ::sigaction(sig, &sa, nullptr);
  // Past the file size limit (ulimit -f), a write fails with EFBIG and is
  // reported like any other, rather than killing the compile.
  ::signal(SIGXFSZ, SIG_IGN);
}

/// Holds SIGINT, SIGTERM and SIGHUP back while in scope.
class InterruptsHeld {
public:
  InterruptsHeld() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kInterrupts)
      sigaddset(&set, sig);
    ::sigprocmask(SIG_BLOCK, &set, &old);
  }
  ~InterruptsHeld() { ::sigprocmask(SIG_SETMASK, &old, nullptr); }

private:
  sigset_t old;
};

void setStaging(const std::string &p) {
  InterruptsHeld held;
  std::snprintf(gStaging, sizeof gStaging, "%s", p.c_str());
}

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

/// Whether `dest` may be replaced by the outputs of model `name`: it is
/// empty, holds the stamp, or holds only what a compile of `name` writes (an
/// output of a modelc that wrote no stamp). Else `foreign` names an entry.
bool replaceable(const std::string &dest, llvm::StringRef name,
                 std::string &foreign) {
  std::error_code ec;
  std::vector<std::string> entries;
  for (fs::directory_iterator it(dest, ec), end; !ec && it != end;
       it.increment(ec))
    entries.push_back(path::filename(it->path()).str());
  if (ec) {
    foreign = "(unreadable: " + ec.message() + ")";
    return false;
  }
  for (const std::string &e : entries)
    if (e == kStamp)
      return true;
  std::string n = name.str();
  for (const std::string &e : entries)
    if (e != "lib" + n + ".so" && e != n + ".h" && e != n + ".weights" &&
        e != n + ".json" && e != "obj") {
      foreign = e;
      return false;
    }
  return true;
}

/// Removes staging folders in `parent` whose compile no longer runs (killed
/// with SIGKILL, or the machine went down).
void removeStaleStaging(const std::string &parent) {
  std::error_code ec;
  std::vector<std::string> stale;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end;
       it.increment(ec)) {
    llvm::StringRef file = path::filename(it->path());
    if (!file.consume_front(kStagingPrefix))
      continue;
    unsigned long long pid;
    if (file.consumeInteger(10, pid) || !file.starts_with("-"))
      continue;
    if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH)
      stale.push_back(it->path());
  }
  for (const std::string &s : stale)
    fs::remove_directories(s);
}

/// `dest` made absolute, without "." / ".." components or a trailing "/";
/// when it exists, with symbolic links resolved (the folder a link points to
/// is replaced, not the link).
std::string normalize(llvm::StringRef dest) {
  llvm::SmallString<256> p;
  if (!fs::real_path(dest, p))
    return p.str().str();
  p = dest;
  fs::make_absolute(p);
  path::remove_dots(p, /*remove_dot_dot=*/true);
  while (p.size() > 1 && path::is_separator(p.back()))
    p.pop_back();
  return p.str().str();
}
} // namespace

std::unique_ptr<OutputFolder> OutputFolder::stage(llvm::StringRef destArg,
                                                  llvm::StringRef name) {
  std::string dest = normalize(destArg);
  llvm::SmallString<256> cwd;
  fs::current_path(cwd);
  if (dest == "/" || dest == cwd.str() ||
      llvm::StringRef(cwd).starts_with(dest + "/")) {
    printError(
        "output folder '" + destArg +
        "' is the current folder or one above it; a compile replaces its "
        "output folder whole: give a folder of its own (e.g. out/" +
        name + ")");
    return nullptr;
  }
  fs::file_status st;
  std::error_code ec = fs::status(dest, st);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    // A name too long, a file where a folder should be, no permission...
    printError("cannot use output folder '" + destArg + "': " + ec.message());
    return nullptr;
  }
  if (!ec && st.type() != fs::file_type::directory_file) {
    printError("output folder '" + destArg + "' exists and is not a folder");
    return nullptr;
  }
  std::string foreign;
  if (fs::exists(st) && !replaceable(dest, name, foreign)) {
    printError(
        "output folder '" + destArg + "' holds '" + foreign +
        "', which is not an output of modelc; a compile replaces its output "
        "folder whole, so give a new or empty folder, or a previous output");
    return nullptr;
  }
  std::string parent = path::parent_path(dest).str();
  if ((ec = fs::create_directories(parent))) {
    printError("cannot create folder '" + parent + "': " + ec.message());
    return nullptr;
  }
  removeStaleStaging(parent);

  std::string tmpl =
      parent + "/" + kStagingPrefix + std::to_string(::getpid()) + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    printError("cannot create a staging folder in '" + parent +
               "': " + std::strerror(errno));
    return nullptr;
  }
  // mkdtemp makes it private (0700); outputs get the usual permissions.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::chmod(tmpl.c_str(), 0777 & ~mask);
  auto folder = std::unique_ptr<OutputFolder>(new OutputFolder(dest, tmpl));
  if (auto stamp = llvm::MemoryBuffer::getFile(dest + "/" + kStamp)) {
    llvm::SmallVector<llvm::StringRef> lines;
    (*stamp)->getBuffer().split(lines, '\n', -1, false);
    for (llvm::StringRef line : lines)
      if (!line.starts_with("#")) {
        auto [key, value] = line.split(' ');
        folder->previous[key.str()] = value.str();
      }
  }
  installInterruptHandlers();
  setStaging(tmpl);

  // The longest name a compile gives a file is "<name>.weights" (codegen's
  // obj/<name>_entry.c is as long): fail now, not after the kernels.
  long nameMax = ::pathconf(tmpl.c_str(), _PC_NAME_MAX);
  size_t longest = name.size() + std::strlen(".weights");
  if (nameMax > 0 && longest > size_t(nameMax)) {
    printError(
        "model name '" + name.take_front(32) + "...' (" +
        llvm::Twine(name.size()) + " characters) is too long for its " +
        "output files: '<name>.weights' would have " + llvm::Twine(longest) +
        " characters, and this filesystem allows " + llvm::Twine(nameMax));
    return nullptr;
  }
  if (tmpl.size() + std::strlen("/obj/") + longest >= PATH_MAX) {
    printError("output folder '" + destArg +
               "' is too long a path (the files in it "
               "would pass the system's limit of " +
               llvm::Twine(PATH_MAX) + " characters)");
    return nullptr;
  }
  return folder;
}

std::optional<std::string>
OutputFolder::previousRecord(llvm::StringRef key) const {
  auto it = previous.find(key.str());
  if (it == previous.end())
    return std::nullopt;
  return it->second;
}

OutputFolder::~OutputFolder() {
  if (committed)
    return;
  setStaging("");
  fs::remove_directories(staging);
}

mlir::LogicalResult OutputFolder::commit() {
  std::string stamp = staging + "/" + kStamp;
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(stamp, ec);
    if (!ec) {
      os << "# modelc output folder: the next compile into it replaces it "
            "whole\n";
      for (const auto &[key, value] : records)
        os << key << " " << value << "\n";
      os.close();
      ec = os.error();
      os.clear_error();
    }
    if (ec)
      return fail("cannot write '" + stamp + "': " + ec.message());
  }
  InterruptsHeld held; // no half-done swap below
  std::string previous;
  if (::rename(staging.c_str(), dest.c_str()) == 0) {
    // dest did not exist (or was an empty folder): nothing to remove.
  } else if (errno == ENOTEMPTY || errno == EEXIST) {
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, dest.c_str(),
                    RENAME_EXCHANGE) == 0) {
      previous = staging; // the old output, now under the staging name
    } else {
      // No atomic swap on this filesystem: the old output steps aside
      // first, so for a moment there is no output at all (never half).
      previous = staging + ".previous";
      if (::rename(dest.c_str(), previous.c_str()) != 0)
        return fail("cannot move the previous output '" + dest +
                    "' aside: " + std::strerror(errno));
      if (::rename(staging.c_str(), dest.c_str()) != 0) {
        int e = errno;
        ::rename(previous.c_str(), dest.c_str());
        return fail("cannot move the outputs into '" + dest +
                    "': " + std::strerror(e));
      }
    }
  } else {
    return fail("cannot move the outputs into '" + dest +
                "': " + std::strerror(errno));
  }
  committed = true;
  setStaging(previous);
  if (!previous.empty())
    fs::remove_directories(previous);
  setStaging("");
  return mlir::success();
}

} // namespace modelc
