//===- Safetensors.cpp - safetensors reader and writer --------------------===//
#include "frontend/Safetensors.h"
#include "runtime/SafetensorsFormat.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace modelc::frontend {

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

// The layout is checked by runtime/SafetensorsFormat.cpp, the same code the
// runtime's loader runs, so both accept exactly the same files.
std::unique_ptr<SafetensorsFile>
SafetensorsFile::open(StringRef path, std::vector<std::string> &errors) {
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
  mrt::safetensors::Header header;
  if (!mrt::safetensors::readHeader(
          reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), header,
          errors))
    return nullptr;
  for (auto &[key, value] : header.metadata)
    file->meta[key] = value;
  const char *data = bytes.data() + header.dataStart;
  // By name, so that lookups' did-you-mean and messages are stable.
  llvm::sort(header.tensors,
             [](const auto &a, const auto &b) { return a.name < b.name; });
  for (mrt::safetensors::Tensor &t : header.tensors) {
    TensorInfo info;
    info.name = std::move(t.name);
    info.dtype = std::move(t.dtype);
    info.itemSize = t.itemSize;
    info.shape = std::move(t.shape);
    info.begin = t.begin;
    info.end = t.end;
    info.data = data + t.begin;
    file->index[info.name] = file->infos.size();
    file->infos.push_back(std::move(info));
  }
  return file;
}

const TensorInfo *SafetensorsFile::lookup(StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &infos[it->second];
}

mlir::LogicalResult writeSafetensors(StringRef path,
                                     ArrayRef<NamedTensor> tensors,
                                     std::string &err) {
  json::Object header;
  uint64_t offset = 0;
  StringSet<> seen;
  for (const NamedTensor &t : tensors) {
    if (!seen.insert(t.name).second) {
      err = "duplicate tensor name '" + t.name + "'";
      return mlir::failure();
    }
    uint64_t bytes = 4;
    json::Array shape;
    for (int64_t d : t.shape) {
      if (d < 0) {
        err = "tensor '" + t.name + "' has a negative dimension";
        return mlir::failure();
      }
      bytes *= d;
      shape.push_back(d);
    }
    header[t.name] =
        json::Object{{"dtype", "F32"},
                     {"shape", std::move(shape)},
                     {"data_offsets", json::Array{offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = formatv("{0}", json::Value(std::move(header))).str();
  text.append((8 - text.size() % 8) % 8, ' ');

  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec) {
    err = "cannot write '" + path.str() + "': " + ec.message();
    return mlir::failure();
  }
  char len[8];
  support::endian::write64le(len, text.size());
  os.write(len, 8);
  os << text;
  for (const NamedTensor &t : tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape)
      n *= d;
    // Little-endian hosts only (x86, the targets here): floats as is.
    os.write(reinterpret_cast<const char *>(t.data), n * sizeof(float));
  }
  os.close();
  if (os.has_error()) {
    err = "cannot write '" + path.str() + "': " + os.error().message();
    os.clear_error();
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace modelc::frontend
