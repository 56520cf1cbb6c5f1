//===- JsonReader.cpp - a pull reader for JSON (RFC 8259) -----------------===//

#include "runtime/JsonReader.h"

#include <cstring>

namespace mrt {

JsonReader::JsonReader(const char *text, size_t size)
    : p(text), begin(text), end(text + size) {}

bool JsonReader::fail(const std::string &what) {
  if (error_.empty())
    error_ = what + " at byte " + std::to_string(offset());
  return false;
}

void JsonReader::skipSpace() {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    ++p;
}

bool JsonReader::expect(char c, const char *what) {
  skipSpace();
  if (p >= end)
    return fail(std::string("unexpected end of JSON, expected ") + what);
  if (*p != c)
    return fail(std::string("expected ") + what);
  ++p;
  return true;
}

JsonReader::Type JsonReader::peek() {
  if (failed())
    return Type::Invalid;
  skipSpace();
  if (p >= end)
    return Type::Invalid;
  switch (*p) {
  case '{':
    return Type::Object;
  case '[':
    return Type::Array;
  case '"':
    return Type::String;
  case 't':
  case 'f':
    return Type::Bool;
  case 'n':
    return Type::Null;
  default:
    return *p == '-' || (*p >= '0' && *p <= '9') ? Type::Number : Type::Invalid;
  }
}

bool JsonReader::open(bool object) {
  if (stack.size() >= kMaxDepth)
    return fail("JSON nested deeper than " + std::to_string(kMaxDepth) +
                " levels");
  if (!expect(object ? '{' : '[', object ? "'{'" : "'['"))
    return false;
  stack.push_back(Container{object});
  return true;
}

bool JsonReader::beginObject() { return open(true); }

bool JsonReader::beginArray() { return open(false); }

bool JsonReader::nextMember(char close) {
  if (failed() || stack.empty())
    return false;
  skipSpace();
  Container &top = stack.back();
  if (p < end && *p == close && top.first) {
    ++p;
    stack.pop_back();
    return false;
  }
  if (!top.first) {
    if (p < end && *p == close) {
      ++p;
      stack.pop_back();
      return false;
    }
    if (!expect(',', close == '}' ? "',' or '}'" : "',' or ']'"))
      return false;
  }
  top.first = false;
  return true;
}

bool JsonReader::nextKey(std::string &key) {
  if (!nextMember('}'))
    return false;
  skipSpace();
  if (p >= end || *p != '"')
    return fail("expected a string key");
  key.clear();
  if (!readString(key) || !expect(':', "':'"))
    return false;
  if (!stack.back().keys.insert(key).second)
    return fail("duplicate key '" + key + "'");
  return true;
}

bool JsonReader::nextElement() { return nextMember(']'); }

bool JsonReader::literal(const char *word) {
  size_t n = std::strlen(word);
  if (static_cast<size_t>(end - p) < n || std::memcmp(p, word, n) != 0)
    return fail("invalid literal");
  p += n;
  return true;
}

bool JsonReader::hex4(uint32_t &v) {
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

namespace {
void appendUtf8(std::string &s, uint32_t c) {
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
} // namespace

// One multi-byte UTF-8 character, copied to `out`: the well-formed byte
// sequences of the Unicode Standard's table 3-7 (no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool JsonReader::utf8Sequence(std::string &out) {
  struct Form {
    unsigned char first, last; // the lead byte's range
    size_t length;
    unsigned char lo, hi; // the second byte's range (the others: 80..BF)
  };
  static const Form forms[] = {
      {0xC2, 0xDF, 2, 0x80, 0xBF}, {0xE0, 0xE0, 3, 0xA0, 0xBF},
      {0xE1, 0xEC, 3, 0x80, 0xBF}, {0xED, 0xED, 3, 0x80, 0x9F},
      {0xEE, 0xEF, 3, 0x80, 0xBF}, {0xF0, 0xF0, 4, 0x90, 0xBF},
      {0xF1, 0xF3, 4, 0x80, 0xBF}, {0xF4, 0xF4, 4, 0x80, 0x8F}};
  auto byte = [&](size_t i) { return static_cast<unsigned char>(p[i]); };
  const Form *form = nullptr;
  for (const Form &f : forms)
    if (byte(0) >= f.first && byte(0) <= f.last)
      form = &f;
  size_t length = form ? form->length : 0;
  if (!form || static_cast<size_t>(end - p) < length || byte(1) < form->lo ||
      byte(1) > form->hi)
    return fail("invalid UTF-8 in a string");
  for (size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF)
      return fail("invalid UTF-8 in a string");
  out.append(p, length);
  p += length;
  return true;
}

bool JsonReader::readString(std::string &out) {
  if (!expect('"', "a string"))
    return false;
  while (true) {
    if (p >= end)
      return fail("unterminated string");
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') {
      ++p;
      return true;
    }
    if (c < 0x20)
      return fail("control character in a string");
    if (c >= 0x80) {
      if (!utf8Sequence(out))
        return false;
      continue;
    }
    ++p;
    if (c != '\\') {
      out += static_cast<char>(c);
      continue;
    }
    if (p >= end)
      return fail("unterminated string");
    char e = *p++;
    switch (e) {
    case '"':
    case '\\':
    case '/':
      out += e;
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
      if (cp >= 0xDC00 && cp < 0xE000)
        return fail("unpaired surrogate in a \\u escape");
      if (cp >= 0xD800 && cp < 0xDC00) {
        uint32_t low;
        if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
          return fail("unpaired surrogate in a \\u escape");
        p += 2;
        if (!hex4(low))
          return false;
        if (low < 0xDC00 || low >= 0xE000)
          return fail("unpaired surrogate in a \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      }
      appendUtf8(out, cp);
      break;
    }
    default:
      return fail("bad escape in a string");
    }
  }
}

bool JsonReader::readNumber(Number &out) {
  skipSpace();
  auto digit = [&] { return p < end && *p >= '0' && *p <= '9'; };
  bool negative = p < end && *p == '-';
  if (negative)
    ++p;
  if (!digit())
    return fail("bad number");
  out.isInteger = true;
  out.integer = 0;
  if (*p == '0') {
    ++p;
    if (digit())
      return fail("bad number (leading zero)");
  } else {
    // Accumulate negatively: INT64_MIN has no positive counterpart.
    for (; digit(); ++p) {
      int d = *p - '0';
      if (out.isInteger && out.integer < (INT64_MIN + d) / 10)
        out.isInteger = false;
      if (out.isInteger)
        out.integer = out.integer * 10 - d;
    }
    if (out.isInteger && !negative) {
      if (out.integer == INT64_MIN)
        out.isInteger = false;
      else
        out.integer = -out.integer;
    }
  }
  if (p < end && *p == '.') {
    out.isInteger = false;
    ++p;
    if (!digit())
      return fail("bad number");
    while (digit())
      ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    out.isInteger = false;
    ++p;
    if (p < end && (*p == '+' || *p == '-'))
      ++p;
    if (!digit())
      return fail("bad number");
    while (digit())
      ++p;
  }
  if (!out.isInteger)
    out.integer = 0;
  return true;
}

bool JsonReader::skipValue() {
  switch (peek()) {
  case Type::Object: {
    if (!beginObject())
      return false;
    std::string key;
    while (nextKey(key))
      if (!skipValue())
        return false;
    return !failed();
  }
  case Type::Array:
    if (!beginArray())
      return false;
    while (nextElement())
      if (!skipValue())
        return false;
    return !failed();
  case Type::String: {
    std::string s;
    return readString(s);
  }
  case Type::Number: {
    Number n;
    return readNumber(n);
  }
  case Type::Bool:
    return literal(*p == 't' ? "true" : "false");
  case Type::Null:
    return literal("null");
  case Type::Invalid:
    break;
  }
  if (failed())
    return false;
  if (p >= end)
    return fail("unexpected end of JSON");
  unsigned char c = static_cast<unsigned char>(*p);
  if (c < 0x20 || c >= 0x7F) {
    const char *hex = "0123456789abcdef";
    return fail(std::string("unexpected byte 0x") + hex[c >> 4] + hex[c & 15]);
  }
  return fail(std::string("unexpected character '") + *p + "'");
}

bool JsonReader::finish() {
  if (failed())
    return false;
  skipSpace();
  if (p != end)
    return fail("trailing characters after the JSON value");
  return true;
}

} // namespace mrt
