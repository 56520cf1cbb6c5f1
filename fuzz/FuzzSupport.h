//===- FuzzSupport.h - shared helpers of the libFuzzer targets --*- C++ -*-===//
#ifndef MODELC_FUZZ_FUZZSUPPORT_H
#define MODELC_FUZZ_FUZZSUPPORT_H

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace modelc::fuzz {

// A file of this process for the input (the readers under test take paths),
// in /dev/shm when there is one: no disk I/O per execution.
inline std::string scratchPath(const char *suffix) {
  static const std::string dir =
      access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  return dir + "/modelc-fuzz-" + std::to_string(getpid()) + suffix;
}

inline void writeFile(const std::string &path, const uint8_t *data,
                      size_t size) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) ||
      std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
}

// Aborts with a message: an invariant of the code under test broke.
[[noreturn]] inline void bug(const std::string &what) {
  std::fprintf(stderr, "fuzz target invariant violated: %s\n", what.c_str());
  std::abort();
}

} // namespace modelc::fuzz

#endif // MODELC_FUZZ_FUZZSUPPORT_H
