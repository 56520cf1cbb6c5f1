//===- NNAttrs.td - nn enums --------------------------------*- tablegen -*-===//
#ifndef MODELC_NN_ATTRS
#define MODELC_NN_ATTRS

include "mlir/IR/EnumAttr.td"

def NN_Activation : I32EnumAttr<"Activation", "element-wise activation", [
    I32EnumAttrCase<"relu", 0>,
    I32EnumAttrCase<"gelu", 1>,       // 0.5 x (1 + erf(x / sqrt 2))
    I32EnumAttrCase<"gelu_tanh", 2>,  // 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))
    I32EnumAttrCase<"silu", 3>,       // x sigmoid(x)
    I32EnumAttrCase<"identity", 4>    // x (a GLU with it: the bilinear layer)
  ]> {
  let cppNamespace = "::modelc::nn";
}

def NN_RopeStyle : I32EnumAttr<"RopeStyle", "which channels RoPE rotates together", [
    I32EnumAttrCase<"interleaved", 0>, // (x[2i], x[2i+1])
    I32EnumAttrCase<"half", 1>         // (x[i], x[i + d/2])
  ]> {
  let cppNamespace = "::modelc::nn";
}

def NN_KernelClass : I32EnumAttr<"KernelClass", "kind of fused kernel region", [
    I32EnumAttrCase<"gemm", 0>,        // linear + element-wise epilogue
    I32EnumAttrCase<"norm", 1>,        // (residual add +) layer/RMS norm
    I32EnumAttrCase<"attention", 2>,   // (slice/RoPE prologue +) attention
    I32EnumAttrCase<"embedding", 3>,   // gather + positions (+ norm)
    I32EnumAttrCase<"elementwise", 4>,  // anything else
    // The token-mixer families of ZOO.md section 2, one schedule each.
    I32EnumAttrCase<"linear_attention", 5>, // phi(q) (phi(k)^T v), chunked
    I32EnumAttrCase<"delta_rule", 6>,       // DeltaNet, chunkwise (WY form)
    I32EnumAttrCase<"selective_scan", 7>,   // Mamba's selective SSM
    I32EnumAttrCase<"aft", 8>,              // attention-free transformer
    I32EnumAttrCase<"pooling", 9>,          // PoolFormer average pooling
    I32EnumAttrCase<"conv", 10>,            // depthwise convolution
    I32EnumAttrCase<"routing", 11>,         // top-k mixture of experts
    // Vision front-ends (issue 7 section 3).
    I32EnumAttrCase<"patch_embed", 12>,     // image patches x weight (+ cls, pos)
    I32EnumAttrCase<"token_pool", 13>       // a sequence pooled into one token
  ]> {
  let cppNamespace = "::modelc::nn";
}

#endif // MODELC_NN_ATTRS
