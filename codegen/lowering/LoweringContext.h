//===- LoweringContext.h - what an op's Halide lowering works with -*- C++
//-*-===//
//
// One nn.kernel region becomes one Halide pipeline. Every tensor value of the
// region is a Func:
//   activations [B, S, C]  f(c, m)     m = b*S + s   ("flat" kernels), or
//                          f(c, s, b)                (kernels with an op that
//                                                     needs the position)
//   token ids   [B, S]     f(m) / f(s, b)
//   images      [B, C, H, W]  f(x, y, channel, b)
//   weights                w(i0, i1, ...) innermost first, as stored in
//                          <name>.weights (GEMM weights packed: use
//                          gemmWeightAt)
// Funcs are inlined unless a schedule says otherwise. An op whose lowering
// has internal Funcs (accumulators, row statistics, scores) registers them
// as OpStages; the kernel class's schedule (codegen/schedules/) places them.
//
//===----------------------------------------------------------------------===//
#ifndef MODELC_CODEGEN_LOWERING_LOWERINGCONTEXT_H
#define MODELC_CODEGEN_LOWERING_LOWERINGCONTEXT_H

#include "codegen/GemmLayout.h"

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

#include <Halide.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace modelc::codegen {

/// How one kernel argument is passed (the entry point builds its
/// halide_buffer_t from this).
struct KernelArg {
  enum Kind { Activation, TokenIds, Weight, Image } kind = Activation;
  int64_t channels = 0;       // Activation: C
  int64_t tokens = 0;         // Activation: a static seq (a pooled 1), or 0: S
  std::vector<int64_t> shape; // Weight: logical (MLIR) shape; Image: C, H, W
  bool gemm = false;          // Weight: a GEMM's [K, N] weight
  bool int8 = false;          // Weight: int8 elements (nn-quantize-weights)
  GemmWeightLayout layout;    // gemm weights only
  std::vector<int64_t> fileShape; // Weight: row-major shape of the buffer
};

class LoweringContext;

/// The internal Funcs of one op's lowering.
class OpStages {
public:
  explicit OpStages(mlir::Value value) : value(value) {}
  virtual ~OpStages() = default;
  /// The op result the stage computes.
  mlir::Value value;
  /// Set by the schedule that placed the stage inside a host's loop nest.
  bool placed = false;
  /// Places every internal Func at root: the fallback for a stage the
  /// kernel's class schedule does not place.
  virtual void computeAtRoot(const LoweringContext &ctx) = 0;
};

class LoweringContext {
public:
  LoweringContext(const Halide::Target &target, bool flat);

  const Halide::Target target;
  const bool gpu;
  const int V; // vector width (floats) of the CPU schedules
  const bool flat;
  Halide::Var c{"c"}, m{"m"}, s{"s"}, b{"b"};
  Halide::Expr seqLen; // S, in positional kernels
  /// S when every run has it (an image model's tokens), else 0: a schedule
  /// may size its tiles to it (correct for any S, fastest at this one).
  int64_t fixedSeq = 0;
  Halide::Expr rows; // B * S, in flat kernels

  /// The Func of a value of the region (an operand of the op being lowered).
  Halide::Func in(mlir::Value v) const { return funcs.lookup(v); }
  /// Defines the Func of a result.
  void define(mlir::Value v, Halide::Func f) { funcs[v] = f; }
  /// Defines the Func of a result that only re-indexes `source` (a slice):
  /// it reads its data in place when `source` does.
  void defineView(mlir::Value v, Halide::Func f, mlir::Value source) {
    define(v, f);
    views[v] = source;
  }
  /// Whether `v` is a kernel argument or a view of one: reading it costs a
  /// load from the argument's memory, so a lowering that would stage a
  /// computed operand (into a per-head layout, say) can read it as it is.
  bool readsInPlace(mlir::Value v) const;
  /// How a kernel argument is passed (null for values defined in the body).
  const KernelArg *argOf(mlir::Value v) const;
  void setArgs(std::vector<KernelArg> args) { kernelArgs = std::move(args); }
  const std::vector<KernelArg> &args() const { return kernelArgs; }

  /// A fresh name prefix for the Funcs of the op being lowered.
  std::string name() const { return "v" + std::to_string(funcs.size()); }

  /// The token variables ({m} or {s, b}) and the activation variables
  /// ({c, m} or {c, s, b}).
  std::vector<Halide::Var> tokenVars() const;
  std::vector<Halide::Expr> tokenArgs() const;
  std::vector<Halide::Var> actVars() const;
  /// f(c, tokens...).
  static Halide::Expr at(const Halide::Func &f, Halide::Expr c,
                         const std::vector<Halide::Expr> &tokens);
  /// An activation Func: f(c, tokens...) = body(c, tokens).
  Halide::Func
  def(const std::string &name,
      const std::function<Halide::Expr(
          Halide::Expr, const std::vector<Halide::Expr> &)> &body) const;

  /// Registers an op's internal Funcs for the schedule.
  template <typename S> S &addStage(std::unique_ptr<S> stage) {
    S &ref = *stage;
    stages.push_back(std::move(stage));
    return ref;
  }
  const std::vector<std::unique_ptr<OpStages>> &allStages() const {
    return stages;
  }
  /// A small table (e.g. RoPE's cos/sin) computed once per call, at root.
  void addRoot(Halide::Func f) { roots.push_back(f); }
  const std::vector<Halide::Func> &allRoots() const { return roots; }

  /// Reports an error at `op` ("codegen: ...") and fails.
  mlir::LogicalResult fail(mlir::Operation *op, const llvm::Twine &msg) const;

private:
  llvm::DenseMap<mlir::Value, Halide::Func> funcs;
  llvm::DenseMap<mlir::Value, mlir::Value> views; // a view -> its source
  std::vector<KernelArg> kernelArgs;
  std::vector<std::unique_ptr<OpStages>> stages;
  std::vector<Halide::Func> roots;
};

/// The static dimension `i` of a ranked tensor value.
int64_t dimOf(mlir::Value v, unsigned i);

} // namespace modelc::codegen

#endif // MODELC_CODEGEN_LOWERING_LOWERINGCONTEXT_H
