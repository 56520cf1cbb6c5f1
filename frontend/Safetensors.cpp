//===- Safetensors.cpp - safetensors reader -------------------------------===//
#include "frontend/Safetensors.h"
#include "runtime/SafetensorsFormat.h"

#include "llvm/ADT/STLExtras.h"

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

} // namespace modelc::frontend
