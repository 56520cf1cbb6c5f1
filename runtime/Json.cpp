//===- Json.cpp - a minimal JSON reader for safetensors headers -----------===//

#include "runtime/Internal.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace mrt {

const Json *Json::get(const std::string &key) const {
  for (const auto &kv : object)
    if (kv.first == key)
      return &kv.second;
  return nullptr;
}

namespace {
class Parser {
public:
  Parser(const char *text, size_t size)
      : p(text), begin(text), end(text + size) {}

  bool parse(Json &out, std::string &error) {
    if (!value(out, 0)) {
      error = err + " at byte " + std::to_string(pos());
      return false;
    }
    skipSpace();
    // safetensors pads the header with spaces; allow trailing NULs too.
    while (p < end && *p == '\0')
      ++p;
    if (p != end) {
      error = "trailing characters after the JSON value at byte " +
              std::to_string(pos());
      return false;
    }
    return true;
  }

private:
  const char *p, *begin, *end;
  std::string err;

  size_t pos() const { return static_cast<size_t>(p - begin); }
  bool fail(const std::string &m) {
    if (err.empty())
      err = m;
    return false;
  }
  void skipSpace() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      ++p;
  }
  bool literal(const char *word) {
    size_t n = std::strlen(word);
    if (static_cast<size_t>(end - p) < n || std::memcmp(p, word, n) != 0)
      return fail("invalid literal");
    p += n;
    return true;
  }

  bool value(Json &out, int depth) {
    if (depth > 64)
      return fail("JSON nested too deeply");
    skipSpace();
    if (p >= end)
      return fail("unexpected end of JSON");
    switch (*p) {
    case '{':
      return object(out, depth);
    case '[':
      return array(out, depth);
    case '"':
      out.kind = Json::String;
      return string(out.string);
    case 't':
      out.kind = Json::Bool;
      out.boolean = true;
      return literal("true");
    case 'f':
      out.kind = Json::Bool;
      out.boolean = false;
      return literal("false");
    case 'n':
      out.kind = Json::Null;
      return literal("null");
    default:
      if (*p == '-' || (*p >= '0' && *p <= '9'))
        return number(out);
      return fail(std::string("unexpected character '") + *p + "'");
    }
  }

  bool object(Json &out, int depth) {
    out.kind = Json::Object;
    ++p; // '{'
    skipSpace();
    if (p < end && *p == '}') {
      ++p;
      return true;
    }
    while (true) {
      skipSpace();
      if (p >= end || *p != '"')
        return fail("expected a string key");
      std::string key;
      if (!string(key))
        return false;
      skipSpace();
      if (p >= end || *p != ':')
        return fail("expected ':'");
      ++p;
      Json v;
      if (!value(v, depth + 1))
        return false;
      out.object.emplace_back(std::move(key), std::move(v));
      skipSpace();
      if (p < end && *p == ',') {
        ++p;
        continue;
      }
      if (p < end && *p == '}') {
        ++p;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool array(Json &out, int depth) {
    out.kind = Json::Array;
    ++p; // '['
    skipSpace();
    if (p < end && *p == ']') {
      ++p;
      return true;
    }
    while (true) {
      Json v;
      if (!value(v, depth + 1))
        return false;
      out.array.push_back(std::move(v));
      skipSpace();
      if (p < end && *p == ',') {
        ++p;
        continue;
      }
      if (p < end && *p == ']') {
        ++p;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  static void appendUtf8(std::string &s, uint32_t c) {
    if (c < 0x80) {
      s += static_cast<char>(c);
    } else if (c < 0x800) {
      s += static_cast<char>(0xC0 | (c >> 6));
      s += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      s += static_cast<char>(0xE0 | (c >> 12));
      s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (c >> 18));
      s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (c & 0x3F));
    }
  }

  bool hex4(uint32_t &v) {
    if (end - p < 4)
      return fail("truncated \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i, ++p) {
      char c = *p;
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return fail("bad \\u escape");
    }
    return true;
  }

  bool string(std::string &out) {
    ++p; // '"'
    while (true) {
      if (p >= end)
        return fail("unterminated string");
      char c = *p++;
      if (c == '"')
        return true;
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (p >= end)
        return fail("unterminated string");
      char e = *p++;
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!hex4(cp))
          return false;
        if (cp >= 0xD800 && cp < 0xDC00) {
          uint32_t lo;
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
            return fail("unpaired surrogate in \\u escape");
          p += 2;
          if (!hex4(lo) || lo < 0xDC00 || lo >= 0xE000)
            return fail("bad surrogate pair in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        return fail("bad escape in string");
      }
    }
  }

  bool number(Json &out) {
    const char *start = p;
    if (*p == '-')
      ++p;
    bool integer = true;
    if (p >= end || !(*p >= '0' && *p <= '9'))
      return fail("bad number");
    while (p < end && *p >= '0' && *p <= '9')
      ++p;
    if (p < end && *p == '.') {
      integer = false;
      ++p;
      if (p >= end || !(*p >= '0' && *p <= '9'))
        return fail("bad number");
      while (p < end && *p >= '0' && *p <= '9')
        ++p;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      integer = false;
      ++p;
      if (p < end && (*p == '+' || *p == '-'))
        ++p;
      if (p >= end || !(*p >= '0' && *p <= '9'))
        return fail("bad number");
      while (p < end && *p >= '0' && *p <= '9')
        ++p;
    }
    std::string text(start, p);
    out.kind = Json::Number;
    out.number = std::strtod(text.c_str(), nullptr);
    out.isInteger = integer;
    if (integer) {
      errno = 0;
      long long v = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE)
        return fail("integer out of range");
      out.integer = v;
    }
    return true;
  }
};
} // namespace

bool parseJson(const char *text, size_t size, Json &out, std::string &error) {
  Parser parser(text, size);
  return parser.parse(out, error);
}

} // namespace mrt
