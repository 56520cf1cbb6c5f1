//===- WeightNames.cpp - weight slots and naming schemes ------------------===//
//
// Mirrors the "Built-in schemes" table of docs/spec.md (and the oracle in
// test/numerics/reference.py). A table maps a slot, or the slot's base
// without its .weight/.bias leaf, to a checkpoint name.
//
//===----------------------------------------------------------------------===//
#include "frontend/WeightNames.h"

#include "llvm/ADT/StringMap.h"

#include <cstring>

using namespace llvm;

namespace modelc::frontend {
namespace {
using Table = ArrayRef<std::pair<StringRef, StringRef>>;

const std::pair<StringRef, StringRef> kGpt2[] = {
    {"embed.tokens", "wte.weight"},
    {"embed.positions", "wpe.weight"},
    {"layer.attn_norm", "h.{i}.ln_1"},
    {"layer.attn.qkv", "h.{i}.attn.c_attn"},
    {"layer.attn.o", "h.{i}.attn.c_proj"},
    {"layer.mlp_norm", "h.{i}.ln_2"},
    {"layer.mlp.up", "h.{i}.mlp.c_fc"},
    {"layer.mlp.down", "h.{i}.mlp.c_proj"},
    {"final_norm", "ln_f"},
};

const std::pair<StringRef, StringRef> kBert[] = {
    {"embed.tokens", "embeddings.word_embeddings.weight"},
    {"embed.positions", "embeddings.position_embeddings.weight"},
    {"embed.token_types", "embeddings.token_type_embeddings.weight"},
    {"embed.norm", "embeddings.LayerNorm"},
    {"layer.attn_norm", "encoder.layer.{i}.attention.output.LayerNorm"},
    {"layer.attn.q", "encoder.layer.{i}.attention.self.query"},
    {"layer.attn.k", "encoder.layer.{i}.attention.self.key"},
    {"layer.attn.v", "encoder.layer.{i}.attention.self.value"},
    {"layer.attn.o", "encoder.layer.{i}.attention.output.dense"},
    {"layer.mlp_norm", "encoder.layer.{i}.output.LayerNorm"},
    {"layer.mlp.up", "encoder.layer.{i}.intermediate.dense"},
    {"layer.mlp.down", "encoder.layer.{i}.output.dense"},
};

// Llama has no biases; where a spec asks for them they follow the weights'
// names (Qwen2 style: q_proj.bias).
const std::pair<StringRef, StringRef> kLlama[] = {
    {"embed.tokens", "model.embed_tokens.weight"},
    {"layer.attn_norm", "model.layers.{i}.input_layernorm"},
    {"layer.attn.q", "model.layers.{i}.self_attn.q_proj"},
    {"layer.attn.k", "model.layers.{i}.self_attn.k_proj"},
    {"layer.attn.v", "model.layers.{i}.self_attn.v_proj"},
    {"layer.attn.o", "model.layers.{i}.self_attn.o_proj"},
    {"layer.mlp_norm", "model.layers.{i}.post_attention_layernorm"},
    {"layer.mlp.up", "model.layers.{i}.mlp.up_proj"},
    {"layer.mlp.gate", "model.layers.{i}.mlp.gate_proj"},
    {"layer.mlp.down", "model.layers.{i}.mlp.down_proj"},
    {"final_norm", "model.norm"},
    {"head", "lm_head"},
};

const SchemeInfo kSchemes[] = {
    {"modelc", false, false},
    {"gpt2", true, true},
    {"bert", false, false},
    {"llama", false, false},
};

const StringRef kSlots[] = {
    "embed.tokens",
    "embed.positions",
    "embed.token_types",
    "embed.norm.weight",
    "embed.norm.bias",
    "layer.attn_norm.weight",
    "layer.attn_norm.bias",
    "layer.attn.qkv.weight",
    "layer.attn.qkv.bias",
    "layer.attn.q.weight",
    "layer.attn.q.bias",
    "layer.attn.k.weight",
    "layer.attn.k.bias",
    "layer.attn.v.weight",
    "layer.attn.v.bias",
    "layer.attn.o.weight",
    "layer.attn.o.bias",
    "layer.mlp_norm.weight",
    "layer.mlp_norm.bias",
    "layer.mlp.up.weight",
    "layer.mlp.up.bias",
    "layer.mlp.gate.weight",
    "layer.mlp.gate.bias",
    "layer.mlp.down.weight",
    "layer.mlp.down.bias",
    "final_norm.weight",
    "final_norm.bias",
    "head.weight",
    "head.bias",
};

Table tableOf(StringRef scheme) {
  if (scheme == "gpt2")
    return kGpt2;
  if (scheme == "bert")
    return kBert;
  if (scheme == "llama")
    return kLlama;
  return {};
}

std::optional<StringRef> find(Table table, StringRef key) {
  for (auto &[slot, name] : table)
    if (slot == key)
      return name;
  return std::nullopt;
}
} // namespace

ArrayRef<SchemeInfo> schemes() { return kSchemes; }

const SchemeInfo *lookupScheme(StringRef name) {
  for (const SchemeInfo &s : kSchemes)
    if (s.name == name)
      return &s;
  return nullptr;
}

ArrayRef<StringRef> allSlots() { return kSlots; }

bool isLayerSlot(StringRef slot) { return slot.starts_with("layer."); }

std::optional<std::string> schemeTemplate(StringRef scheme, StringRef slot) {
  // The modelc scheme is the slot name itself, with layers.{i}. in front.
  if (scheme == "modelc") {
    if (isLayerSlot(slot))
      return "layers.{i}." + slot.drop_front(strlen("layer.")).str();
    return slot.str();
  }
  Table table = tableOf(scheme);
  if (auto name = find(table, slot))
    return name->str();
  auto [base, leaf] = slot.rsplit('.');
  if (!leaf.empty())
    if (auto name = find(table, base))
      return name->str() + "." + leaf.str();
  return std::nullopt;
}

} // namespace modelc::frontend
