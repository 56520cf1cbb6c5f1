//===- Safetensors.cpp - safetensors reader -------------------------------===//
#include "frontend/Safetensors.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace llvm;

namespace modelc::frontend {
namespace {

unsigned dtypeSize(StringRef dtype) {
  return StringSwitch<unsigned>(dtype)
      .Cases("F64", "I64", "U64", 8)
      .Cases("F32", "I32", "U32", 4)
      .Cases("F16", "BF16", "I16", "U16", 2)
      .Cases("I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2", 1)
      .Default(0);
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + "]";
}

// Reads one tensor entry; returns false with messages on a bad one.
bool readEntry(StringRef name, const json::Value &v, uint64_t dataSize,
               TensorInfo &info, std::vector<std::string> &errors) {
  auto fail = [&](const Twine &msg) {
    errors.push_back(("tensor '" + name + "': " + msg).str());
    return false;
  };
  const json::Object *obj = v.getAsObject();
  if (!obj)
    return fail("entry is not a JSON object");
  info.name = name.str();
  auto dtype = obj->getString("dtype");
  const json::Array *shape = obj->getArray("shape");
  const json::Array *offsets = obj->getArray("data_offsets");
  bool ok = true;
  if (!dtype)
    ok = fail("missing 'dtype' (a string)");
  if (!shape)
    ok = fail("missing 'shape' (an array of integers)");
  if (!offsets)
    ok = fail("missing 'data_offsets' (an array [begin, end])");
  if (!ok)
    return false;
  info.dtype = dtype->str();
  info.itemSize = dtypeSize(*dtype);
  if (!info.itemSize)
    return fail("unknown dtype '" + *dtype + "'");
  for (const json::Value &d : *shape) {
    auto n = d.getAsInteger();
    if (!n || *n < 0)
      return fail("shape entries must be non-negative integers");
    info.shape.push_back(*n);
  }
  if (offsets->size() != 2)
    return fail("data_offsets must be [begin, end]");
  auto b = (*offsets)[0].getAsUINT64(), e = (*offsets)[1].getAsUINT64();
  if (!b || !e)
    return fail("data_offsets must be non-negative integers");
  info.begin = *b;
  info.end = *e;
  if (info.begin > info.end || info.end > dataSize)
    return fail(formatv("data_offsets [{0}, {1}] are outside the {2}-byte "
                        "data section",
                        info.begin, info.end, dataSize));
  // Overflow-safe element count times item size.
  uint64_t bytes = info.itemSize;
  for (int64_t d : info.shape) {
    if (d != 0 && bytes > UINT64_MAX / uint64_t(d))
      return fail("shape " + shapeStr(info.shape) + " is too large");
    bytes *= d;
  }
  if (bytes != info.end - info.begin)
    return fail(formatv("shape {0} of {1} needs {2} bytes but data_offsets "
                        "[{3}, {4}] hold {5}",
                        shapeStr(info.shape), info.dtype, bytes, info.begin,
                        info.end, info.end - info.begin));
  return true;
}
} // namespace

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::unique_ptr<SafetensorsFile>
SafetensorsFile::open(StringRef path, std::vector<std::string> &errors) {
  size_t before = errors.size();
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf) {
    errors.push_back("cannot open '" + path.str() +
                     "': " + buf.getError().message());
    return nullptr;
  }
  auto file = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  file->buffer = std::move(*buf);
  StringRef bytes = file->buffer->getBuffer();
  if (bytes.size() < 8) {
    errors.push_back(formatv("file is {0} bytes, too short for a safetensors "
                             "header (an 8-byte length, then JSON)",
                             bytes.size()));
    return nullptr;
  }
  uint64_t n = support::endian::read64le(bytes.data());
  if (n > bytes.size() - 8) {
    errors.push_back(formatv("header length {0} goes past the end of the "
                             "file ({1} bytes)",
                             n, bytes.size()));
    return nullptr;
  }
  StringRef header = bytes.substr(8, n);
  uint64_t dataSize = bytes.size() - 8 - n;
  const char *data = bytes.data() + 8 + n;
  auto json = json::parse(header);
  if (!json) {
    errors.push_back("invalid JSON header: " + toString(json.takeError()));
    return nullptr;
  }
  const json::Object *root = json->getAsObject();
  if (!root) {
    errors.push_back("the JSON header is not an object");
    return nullptr;
  }
  // Sorted, so messages come in a stable order.
  std::vector<StringRef> names;
  for (const auto &kv : *root)
    names.push_back(kv.first);
  llvm::sort(names);
  for (StringRef name : names) {
    const json::Value &v = *root->get(name);
    if (name == "__metadata__") {
      const json::Object *m = v.getAsObject();
      if (!m) {
        errors.push_back("__metadata__ is not a JSON object");
        continue;
      }
      for (const auto &kv : *m)
        if (auto s = kv.second.getAsString())
          file->meta[kv.first] = s->str();
        else
          errors.push_back(("__metadata__ value '" + StringRef(kv.first) +
                            "' is not a string")
                               .str());
      continue;
    }
    TensorInfo info;
    if (!readEntry(name, v, dataSize, info, errors))
      continue;
    info.data = data + info.begin;
    file->index[name] = file->infos.size();
    file->infos.push_back(std::move(info));
  }
  // Overlaps: neighbours in begin order must not share a byte.
  std::vector<const TensorInfo *> order;
  for (const TensorInfo &t : file->infos)
    if (t.end > t.begin)
      order.push_back(&t);
  llvm::sort(order, [](const TensorInfo *a, const TensorInfo *b) {
    return std::tie(a->begin, a->name) < std::tie(b->begin, b->name);
  });
  const TensorInfo *reach = nullptr; // the one ending furthest so far
  for (const TensorInfo *t : order) {
    if (reach && reach->end > t->begin)
      errors.push_back(formatv("tensors '{0}' and '{1}' overlap (bytes [{2}, "
                               "{3}) and [{4}, {5}))",
                               reach->name, t->name, reach->begin, reach->end,
                               t->begin, t->end));
    if (!reach || t->end > reach->end)
      reach = t;
  }
  if (errors.size() != before)
    return nullptr;
  return file;
}

const TensorInfo *SafetensorsFile::lookup(StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &infos[it->second];
}

} // namespace modelc::frontend
