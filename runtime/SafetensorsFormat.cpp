//===- SafetensorsFormat.cpp - the one safetensors validation -------------===//

#include "runtime/SafetensorsFormat.h"
#include "runtime/JsonReader.h"

#include <algorithm>
#include <tuple>

namespace mrt::safetensors {

unsigned dtypeSize(const std::string &dtype) {
  static const std::pair<const char *, unsigned> sizes[] = {
      {"F64", 8}, {"I64", 8}, {"U64", 8},  {"F32", 4},     {"I32", 4},
      {"U32", 4}, {"F16", 2}, {"BF16", 2}, {"I16", 2},     {"U16", 2},
      {"I8", 1},  {"U8", 1},  {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  for (const auto &[name, size] : sizes)
    if (dtype == name)
      return size;
  return 0;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

std::string range(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// One tensor entry as read, before its checks.
struct RawEntry {
  bool isObject = true;
  bool hasDtype = false, dtypeIsString = false;
  bool hasShape = false, shapeIsArray = false, shapeOk = true;
  bool hasOffsets = false, offsetsIsArray = false, offsetsOk = true;
  size_t offsetCount = 0;
  uint64_t offsets[2] = {0, 0};
};

// Reads an array of non-negative integers into `count` elements; `ok` turns
// false on any other element. Calls keep(i, value) for each good one.
template <typename Keep>
bool readCounts(JsonReader &r, bool &ok, size_t &count, Keep keep) {
  if (!r.beginArray())
    return false;
  size_t &i = count;
  while (r.nextElement()) {
    JsonReader::Number n;
    if (r.peek() != JsonReader::Type::Number) {
      ok = false;
      if (!r.skipValue())
        return false;
    } else if (!r.readNumber(n)) {
      return false;
    } else if (!n.isInteger || n.integer < 0) {
      ok = false;
    } else {
      keep(i, n.integer);
    }
    ++i;
  }
  return !r.failed();
}

bool readEntry(JsonReader &r, Tensor &t, RawEntry &e) {
  if (r.peek() != JsonReader::Type::Object) {
    e.isObject = false;
    return r.skipValue();
  }
  if (!r.beginObject())
    return false;
  std::string key;
  while (r.nextKey(key)) {
    bool ok;
    size_t count = 0;
    if (key == "dtype") {
      e.hasDtype = true;
      e.dtypeIsString = r.peek() == JsonReader::Type::String;
      ok = e.dtypeIsString ? r.readString(t.dtype) : r.skipValue();
    } else if (key == "shape") {
      e.hasShape = true;
      e.shapeIsArray = r.peek() == JsonReader::Type::Array;
      ok = e.shapeIsArray
               ? readCounts(r, e.shapeOk, count,
                            [&](size_t, int64_t v) { t.shape.push_back(v); })
               : r.skipValue();
    } else if (key == "data_offsets") {
      e.hasOffsets = true;
      e.offsetsIsArray = r.peek() == JsonReader::Type::Array;
      ok = e.offsetsIsArray ? readCounts(r, e.offsetsOk, e.offsetCount,
                                         [&](size_t i, int64_t v) {
                                           if (i < 2)
                                             e.offsets[i] = uint64_t(v);
                                         })
                            : r.skipValue();
    } else {
      ok = r.skipValue(); // unknown fields are ignored, as the reference does
    }
    if (!ok)
      return false;
  }
  return !r.failed();
}

// Checks one entry; appends its problems (prefixed "tensor 'name': ").
bool checkEntry(Tensor &t, const RawEntry &e, uint64_t dataSize,
                std::vector<std::string> &errors) {
  auto fail = [&](const std::string &m) {
    errors.push_back("tensor '" + t.name + "': " + m);
    return false;
  };
  if (!e.isObject)
    return fail("entry is not a JSON object");
  bool ok = true;
  if (!e.hasDtype)
    ok = fail("missing 'dtype' (a string)");
  else if (!e.dtypeIsString)
    ok = fail("'dtype' must be a string");
  if (!e.hasShape)
    ok = fail("missing 'shape' (an array of integers)");
  else if (!e.shapeIsArray)
    ok = fail("'shape' must be an array of integers");
  if (!e.hasOffsets)
    ok = fail("missing 'data_offsets' (an array [begin, end])");
  else if (!e.offsetsIsArray)
    ok = fail("'data_offsets' must be an array [begin, end]");
  if (!ok)
    return false;
  t.itemSize = dtypeSize(t.dtype);
  if (!t.itemSize)
    return fail("unknown dtype '" + t.dtype + "'");
  if (!e.shapeOk)
    return fail("shape entries must be non-negative integers");
  if (e.offsetCount != 2)
    return fail("data_offsets must be [begin, end]");
  if (!e.offsetsOk)
    return fail("data_offsets must be non-negative integers");
  t.begin = e.offsets[0];
  t.end = e.offsets[1];
  if (t.begin > t.end)
    return fail("data_offsets " + range(t.begin, t.end) +
                " end before they begin");
  if (t.end > dataSize)
    return fail("data_offsets " + range(t.begin, t.end) +
                " run past the end of the " + std::to_string(dataSize) +
                "-byte data section (truncated file?)");
  // Bytes in int64, overflow-checked (a zero dimension ends the product).
  int64_t bytes = t.itemSize;
  for (int64_t d : t.shape) {
    if (d != 0 && bytes > INT64_MAX / d)
      return fail("shape " + shapeString(t.shape) + " of " + t.dtype +
                  " is too large");
    bytes *= d;
  }
  if (uint64_t(bytes) != t.end - t.begin)
    return fail("shape " + shapeString(t.shape) + " of " + t.dtype + " needs " +
                std::to_string(bytes) + " bytes but data_offsets " +
                range(t.begin, t.end) + " hold " +
                std::to_string(t.end - t.begin));
  return true;
}

bool readMetadata(JsonReader &r, Header &out,
                  std::vector<std::string> &errors) {
  if (r.peek() != JsonReader::Type::Object) {
    errors.push_back("__metadata__ is not a JSON object");
    return r.skipValue();
  }
  if (!r.beginObject())
    return false;
  std::string key;
  while (r.nextKey(key)) {
    if (r.peek() != JsonReader::Type::String) {
      errors.push_back("__metadata__ value '" + key + "' is not a string");
      if (!r.skipValue())
        return false;
      continue;
    }
    std::string value;
    if (!r.readString(value))
      return false;
    out.metadata.emplace_back(key, std::move(value));
  }
  return !r.failed();
}

// Overlaps, and (when every entry was good) gaps: in begin order, each
// tensor must start where the bytes so far end; the last must end the data.
void checkLayout(const std::vector<Tensor> &tensors, uint64_t dataSize,
                 bool complete, std::vector<std::string> &errors) {
  std::vector<const Tensor *> order;
  for (const Tensor &t : tensors)
    if (t.end > t.begin)
      order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const Tensor *a, const Tensor *b) {
    return std::tie(a->begin, a->name) < std::tie(b->begin, b->name);
  });
  auto hole = [&](uint64_t begin, uint64_t end) {
    errors.push_back("bytes [" + std::to_string(begin) + ", " +
                     std::to_string(end) +
                     ") of the data section belong to no tensor");
  };
  const Tensor *reach = nullptr; // the one ending furthest so far
  for (const Tensor *t : order) {
    uint64_t covered = reach ? reach->end : 0;
    if (reach && covered > t->begin)
      errors.push_back("tensors '" + reach->name + "' and '" + t->name +
                       "' overlap (bytes [" + std::to_string(reach->begin) +
                       ", " + std::to_string(reach->end) + ") and [" +
                       std::to_string(t->begin) + ", " +
                       std::to_string(t->end) + "))");
    else if (complete && covered < t->begin)
      hole(covered, t->begin);
    if (!reach || t->end > reach->end)
      reach = t;
  }
  uint64_t covered = reach ? reach->end : 0;
  if (complete && covered < dataSize)
    hole(covered, dataSize);
}

} // namespace

bool readHeader(const uint8_t *file, uint64_t size, Header &out,
                std::vector<std::string> &errors) {
  size_t before = errors.size();
  if (size < 8) {
    errors.push_back("file is " + std::to_string(size) +
                     " bytes, too short for a safetensors header (an 8-byte "
                     "length, then JSON)");
    return false;
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | file[i];
  if (n > size - 8) {
    errors.push_back("header length " + std::to_string(n) +
                     " goes past the end of the file (" + std::to_string(size) +
                     " bytes)");
    return false;
  }
  if (n > kMaxHeaderBytes) {
    errors.push_back("header length " + std::to_string(n) +
                     " is above the limit of " +
                     std::to_string(kMaxHeaderBytes) + " bytes");
    return false;
  }
  const char *text = reinterpret_cast<const char *>(file + 8);
  if (n == 0 || text[0] != '{') {
    errors.push_back("the header does not start with '{' (a JSON object)");
    return false;
  }
  out = Header();
  out.dataStart = 8 + n;
  out.dataSize = size - out.dataStart;

  JsonReader r(text, n);
  std::vector<std::string> problems;
  bool complete = true;
  r.beginObject();
  std::string key;
  while (r.nextKey(key)) {
    if (key == "__metadata__") {
      if (!readMetadata(r, out, problems))
        break;
      continue;
    }
    Tensor t;
    t.name = key;
    RawEntry e;
    if (!readEntry(r, t, e))
      break;
    if (checkEntry(t, e, out.dataSize, problems))
      out.tensors.push_back(std::move(t));
    else
      complete = false;
  }
  if (!r.finish()) {
    errors.push_back("invalid JSON header: " + r.error());
    return false;
  }
  checkLayout(out.tensors, out.dataSize, complete, problems);
  errors.insert(errors.end(), problems.begin(), problems.end());
  return errors.size() == before;
}

} // namespace mrt::safetensors
