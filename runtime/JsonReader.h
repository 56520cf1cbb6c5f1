//===- JsonReader.h - a pull reader for JSON (RFC 8259) ---------*- C++ -*-===//
//
// Reads one JSON text value by value, without building a tree, so that a
// large document (a 100 MB safetensors header) is checked in memory
// proportional to what the caller keeps. Strings must be valid UTF-8 (raw
// and after \u escapes); objects may not repeat a key; nesting is limited.
// Dependency-free (the C++ standard library only): shared by libmodelrt and
// the compiler's safetensors reader.
//
//===----------------------------------------------------------------------===//
#ifndef MODELRT_JSONREADER_H
#define MODELRT_JSONREADER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace mrt {

class JsonReader {
public:
  enum class Type { Null, Bool, Number, String, Array, Object, Invalid };

  struct Number {
    bool isInteger = false; // no fraction or exponent, and fits in int64
    int64_t integer = 0;    // when isInteger
  };

  static constexpr int kMaxDepth = 64;

  JsonReader(const char *text, size_t size);

  /// The type of the next value (whitespace skipped); Invalid on an error or
  /// at the end of the text.
  Type peek();

  /// '{' then the keys: nextKey returns false after the closing '}' (or on
  /// an error: check failed()). Repeating a key is an error.
  bool beginObject();
  bool nextKey(std::string &key);

  /// '[' then nextElement before each element: false after the closing ']'.
  bool beginArray();
  bool nextElement();

  bool readString(std::string &out);
  bool readNumber(Number &out);
  /// Reads and checks any value, keeping nothing.
  bool skipValue();

  /// True when only whitespace is left after the top-level value.
  bool finish();

  bool failed() const { return !error_.empty(); }
  /// "<what> at byte N" (N counted from the start of the text).
  const std::string &error() const { return error_; }
  /// Offset of the next unread byte.
  size_t offset() const { return static_cast<size_t>(p - begin); }

private:
  struct Container {
    bool object;
    bool first = true;
    std::unordered_set<std::string> keys; // objects only
  };

  const char *p, *begin, *end;
  std::string error_;
  std::vector<Container> stack;

  bool fail(const std::string &what);
  void skipSpace();
  bool expect(char c, const char *what);
  // '{' or '[': a new container, within the nesting limit.
  bool open(bool object);
  bool literal(const char *word);
  bool hex4(uint32_t &v);
  bool utf8Sequence(std::string &out);
  // Moves past the ',' between members, or the closing bracket (then false).
  bool nextMember(char close);
};

} // namespace mrt

#endif // MODELRT_JSONREADER_H
