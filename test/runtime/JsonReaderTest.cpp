//===- JsonReaderTest.cpp - runtime/JsonReader.cpp ------------------------===//
//
// The JSON rules behind the safetensors check: RFC 8259 syntax, UTF-8 per
// the Unicode Standard's table 3-7, no repeated keys, 64 levels, int64.
//
//===----------------------------------------------------------------------===//

#include "runtime/JsonReader.h"

#include <gtest/gtest.h>

#include <string>

namespace {

// Reads `text` (one value) entirely; "" or the reader's error.
std::string check(const std::string &text) {
  mrt::JsonReader r(text.data(), text.size());
  if (!r.skipValue() || !r.finish())
    return r.error();
  return "";
}

std::string readKey(const std::string &text) {
  mrt::JsonReader r(text.data(), text.size());
  std::string key;
  if (!r.beginObject() || !r.nextKey(key))
    return "error: " + r.error();
  return key;
}

TEST(JsonReader, Utf8) {
  // 2-, 3- and 4-byte characters, raw and escaped.
  EXPECT_EQ(readKey("{\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\": 1}"),
            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  EXPECT_EQ(readKey("{\"\\u00e9\\u20ac\\ud83d\\ude00\": 1}"),
            "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  for (const char *bad : {"\"\xc0\x80\"",         // overlong NUL
                          "\"\xe0\x80\xaf\"",     // overlong '/'
                          "\"\xed\xa0\x80\"",     // a surrogate, raw
                          "\"\xf4\x90\x80\x80\"", // above U+10FFFF
                          "\"\xff\"", "\"\xc3\"", "\"\xe2\x82\""})
    EXPECT_EQ(check(bad), "invalid UTF-8 in a string at byte 1") << bad;
  EXPECT_EQ(check("\"\\udc00\""), "unpaired surrogate in a \\u escape at "
                                  "byte 7");
  EXPECT_EQ(check("\"\\ud83d x\""), "unpaired surrogate in a \\u escape at "
                                    "byte 7");
}

TEST(JsonReader, Syntax) {
  EXPECT_EQ(check(" {\"a\": [1, -2, 3.5e-3, true, false, null, \"s\", {}]} "),
            "");
  EXPECT_EQ(check("[1, 2,]"), "unexpected character ']' at byte 6");
  EXPECT_EQ(check("{\"a\": 1,}"), "expected a string key at byte 8");
  EXPECT_EQ(check("{\"a\": 1, \"a\": 2}"), "duplicate key 'a' at byte 13");
  EXPECT_EQ(check("{\"a\" 1}"), "expected ':' at byte 5");
  EXPECT_EQ(check("[01]"), "bad number (leading zero) at byte 2");
  EXPECT_EQ(check("[1.]"), "bad number at byte 3");
  EXPECT_EQ(check("[\"a\tb\"]"), "control character in a string at byte 3");
  EXPECT_EQ(check("[1] [2]"), "trailing characters after the JSON value at "
                              "byte 4");
  EXPECT_EQ(check("[\x01]"), "unexpected byte 0x01 at byte 1");
  EXPECT_EQ(check("[1"), "unexpected end of JSON, expected ',' or ']' at byte "
                         "2");
  EXPECT_EQ(check(std::string(64, '[') + std::string(64, ']')), "");
  EXPECT_EQ(check(std::string(65, '[') + std::string(65, ']')),
            "JSON nested deeper than 64 levels at byte 64");
}

TEST(JsonReader, Integers) {
  auto number = [](const std::string &text) {
    mrt::JsonReader r(text.data(), text.size());
    mrt::JsonReader::Number n;
    EXPECT_TRUE(r.readNumber(n) && r.finish()) << text << ": " << r.error();
    return n;
  };
  EXPECT_EQ(number("9223372036854775807").integer, INT64_MAX);
  EXPECT_EQ(number("-9223372036854775808").integer, INT64_MIN);
  EXPECT_TRUE(number("-0").isInteger);
  EXPECT_FALSE(number("9223372036854775808").isInteger);
  EXPECT_FALSE(number("-9223372036854775809").isInteger);
  EXPECT_FALSE(number("1e3").isInteger);
  EXPECT_FALSE(number("4.0").isInteger);
}

} // namespace
