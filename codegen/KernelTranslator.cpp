//===- KernelTranslator.cpp - one nn.kernel region -> Halide pipeline -----===//
//
//  1. Arguments: each block argument becomes an ImageParam and a Func
//     (LoweringContext.h gives the indexing); a weight's layout follows its
//     role (WeightRolesOpInterface: GEMM weights are packed into panels).
//  2. Algorithm: each op's HalideLoweringOpInterface defines its results.
//  3. Hosts: walking backwards from the outputs, a value with internal
//     stages that flows into exactly one output is computed in that output's
//     loop nest (its host); one that flows into several is computed at root
//     and is a host itself.
//  4. Schedule: the kernel class's (codegen/schedules/).
//
//===----------------------------------------------------------------------===//
#include "codegen/KernelTranslator.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/schedules/Gemm.h"
#include "codegen/schedules/Schedule.h"

#include "llvm/ADT/DenseSet.h"

#include <set>

using namespace Halide;
using mlir::Value;

namespace modelc::codegen {

namespace {

/// The GEMM weight role of block argument `arg` (GemmWeight or
/// GatedGemmWeight) when some use gives it one.
std::optional<nn::WeightRole> gemmRoleOf(mlir::BlockArgument arg) {
  for (mlir::OpOperand &use : arg.getUses())
    if (auto roles =
            mlir::dyn_cast<nn::WeightRolesOpInterface>(use.getOwner())) {
      nn::WeightRole role = roles.getWeightRole(use.getOperandNumber());
      if (role == nn::WeightRole::GemmWeight ||
          role == nn::WeightRole::GatedGemmWeight)
        return role;
    }
  return std::nullopt;
}

/// The tokens `o` works on per token of the model's sequence: n / S for an
/// op whose activations all hold a static n tokens when the inputs fix the
/// sequence at S (a downsampled image stage), else 1. The op's own costs
/// count per token of its activations.
double tokenShare(mlir::Operation *o, int64_t fixedSeq) {
  if (fixedSeq <= 0)
    return 1.0;
  int64_t tokens = 0;
  auto widen = [&](mlir::Type t) {
    auto type = mlir::dyn_cast<mlir::RankedTensorType>(t);
    if (!type || type.getRank() != 3)
      return;
    tokens =
        type.isDynamicDim(1) ? fixedSeq : std::max(tokens, type.getDimSize(1));
  };
  for (mlir::Type t : o->getOperandTypes())
    widen(t);
  for (mlir::Type t : o->getResultTypes())
    widen(t);
  return tokens > 0 && tokens < fixedSeq ? double(tokens) / fixedSeq : 1.0;
}

class Translator {
public:
  Translator(nn::KernelOp op, const Target &target, bool flat, int64_t fixedSeq)
      : op(op), ctx(target, flat) {
    ctx.fixedSeq = tk.fixedSeq = fixedSeq;
  }

  mlir::FailureOr<TranslatedKernel> run();

private:
  nn::KernelOp op;
  LoweringContext ctx;
  TranslatedKernel tk;
  std::vector<ImageParam> params;

  mlir::LogicalResult bindInputs();
  ScheduleEnv makeScheduleEnv(const std::vector<Func> &outs);
};

mlir::LogicalResult Translator::bindInputs() {
  std::vector<KernelArg> kargs;
  const Var &c = ctx.c, &s = ctx.s, &b = ctx.b, &m = ctx.m;
  for (mlir::BlockArgument arg : op.getBlock().getArguments()) {
    auto type = mlir::cast<mlir::RankedTensorType>(arg.getType());
    unsigned i = arg.getArgNumber();
    KernelArg ka;
    std::string pname = "in" + std::to_string(i);
    Func f("arg" + std::to_string(i));
    if (type.getRank() == 3 && type.getElementType().isF32() &&
        !type.hasStaticShape()) {
      ka.kind = KernelArg::Activation;
      ka.channels = type.getDimSize(2);
      if (!type.isDynamicDim(1))
        ka.tokens = type.getDimSize(1);
      ImageParam p(Float(32), ctx.flat ? 2 : 3, pname);
      p.dim(0).set_bounds(0, (int)ka.channels);
      p.dim(1).set_min(0).set_stride((int)ka.channels);
      Expr rows = p.dim(1).extent();
      if (!ctx.flat) {
        p.dim(2).set_min(0).set_stride(p.dim(1).extent() * (int)ka.channels);
        if (!ctx.seqLen.defined())
          ctx.seqLen = p.dim(1).extent();
        f(c, s, b) = p(c, clamp(s, 0, rows - 1), b);
      } else {
        if (!ctx.rows.defined())
          ctx.rows = rows;
        // No clamp: a flat kernel reads each token's own row (its schedules
        // keep tiles inside [0, rows); a gather clamps its own index, see
        // routedToken), and a clamp per row hides from LLVM that a GEMM
        // tile's rows lie K floats apart: index arithmetic in the inner
        // loop, on the FMA ports (mlp.down 229 -> 271 GFLOP/s on Intel).
        f(c, m) = p(c, m);
      }
      params.push_back(p);
    } else if (type.getRank() == 2 && type.getElementType().isInteger(32)) {
      ka.kind = KernelArg::TokenIds;
      ImageParam p(Int(32), ctx.flat ? 1 : 2, pname);
      p.dim(0).set_min(0);
      if (!ctx.flat) {
        p.dim(1).set_min(0).set_stride(p.dim(0).extent());
        if (!ctx.seqLen.defined())
          ctx.seqLen = p.dim(0).extent();
        f(s, b) = p(clamp(s, 0, p.dim(0).extent() - 1), b);
      } else {
        f(m) = p(clamp(m, 0, p.dim(0).extent() - 1));
      }
      params.push_back(p);
    } else if (type.getRank() == 4 && type.getElementType().isF32() &&
               type.isDynamicDim(0)) {
      // An image batch [B, C, H, W]: image(x, y, channel, b).
      ka.kind = KernelArg::Image;
      ka.shape.assign(type.getShape().begin() + 1, type.getShape().end());
      ImageParam p(Float(32), 4, pname);
      int64_t stride = 1;
      for (int d = 0; d < 3; ++d) {
        int64_t ext = ka.shape[2 - d];
        p.dim(d).set_bounds(0, (int)ext).set_stride((int)stride);
        stride *= ext;
      }
      p.dim(3).set_min(0).set_stride((int)stride);
      Var x("x"), y("y"), ch("ch");
      f(x, y, ch, b) = p(x, y, ch, b);
      params.push_back(p);
    } else if (type.hasStaticShape() && (type.getElementType().isF32() ||
                                         type.getElementType().isInteger(8))) {
      ka.kind = KernelArg::Weight;
      ka.int8 = type.getElementType().isInteger(8);
      ka.shape.assign(type.getShape().begin(), type.getShape().end());
      ka.fileShape = ka.shape;
      std::optional<nn::WeightRole> role;
      if (type.getRank() == 2)
        role = gemmRoleOf(arg);
      if (role) {
        int K = (int)ka.shape[0], N = (int)ka.shape[1];
        ka.gemm = true;
        ka.layout = *role == nn::WeightRole::GatedGemmWeight
                        ? gatedGemmWeightLayout(K, N)
                        : gemmWeightLayout(K, N);
        if (int P = ka.layout.panelWidth)
          ka.fileShape = {gemmPanels(ka.layout, N), K, P};
      }
      int r = (int)ka.fileShape.size();
      ImageParam p(ka.int8 ? Int(8) : Float(32), r, pname);
      int64_t stride = 1;
      for (int d = 0; d < r; ++d) {
        int64_t ext = ka.fileShape[r - 1 - d];
        p.dim(d).set_bounds(0, (int)ext).set_stride((int)stride);
        stride *= ext;
      }
      std::vector<Var> vs;
      for (int d = 0; d < r; ++d)
        vs.push_back(Var("w" + std::to_string(d)));
      f(vs) = p(vs);
      params.push_back(p);
    } else {
      return ctx.fail(op, "unsupported kernel argument type");
    }
    kargs.push_back(ka);
    ctx.define(arg, f);
  }
  tk.inputs = kargs;
  ctx.setArgs(std::move(kargs));
  return mlir::success();
}

ScheduleEnv Translator::makeScheduleEnv(const std::vector<Func> &outs) {
  mlir::Block &body = op.getBlock();
  auto yield = op.getYield();
  std::vector<Host> hosts;
  for (auto [i, v] : llvm::enumerate(yield->getOperands()))
    hosts.push_back({outs[i], dimOf(v, 2), /*isOutput=*/true});
  llvm::DenseSet<Value> staged;
  for (const auto &st : ctx.allStages())
    staged.insert(st->value);
  // reach[v]: the hosts v flows into. Walk backwards: a staged value that
  // flows into exactly one host is computed in it.
  llvm::DenseMap<Value, std::set<int>> reach;
  for (unsigned i = 0; i < yield->getNumOperands(); ++i)
    reach[yield->getOperand(i)].insert(i);
  llvm::DenseMap<Value, int> hostOf;
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    mlir::Operation &o = *it;
    if (mlir::isa<nn::YieldOp>(o))
      continue;
    for (Value r : o.getResults()) {
      std::set<int> &hs = reach[r];
      if (hs.size() != 1 && staged.count(r)) {
        // Used by several outputs (or none): computed at root.
        hs = {(int)hosts.size()};
        hosts.push_back({ctx.in(r), dimOf(r, 2), /*isOutput=*/false});
      }
      if (hs.size() == 1)
        hostOf[r] = *hs.begin();
      for (Value operand : o.getOperands())
        reach[operand].insert(hs.begin(), hs.end());
    }
  }
  return ScheduleEnv(ctx, std::move(hosts), std::move(hostOf));
}

mlir::FailureOr<TranslatedKernel> Translator::run() {
  tk.name = op.getName().str();
  tk.kind = nn::stringifyKernelClass(op.getKind()).str();
  tk.flat = ctx.flat;
  if (mlir::failed(bindInputs()))
    return mlir::failure();
  bool image = llvm::any_of(
      tk.inputs, [](const KernelArg &a) { return a.kind == KernelArg::Image; });
  if (!ctx.flat && !ctx.seqLen.defined() && !image)
    return ctx.fail(op, "a positional kernel needs an activation, id or image "
                        "input");
  for (mlir::Operation &o : op.getBlock().without_terminator()) {
    auto lowering = mlir::dyn_cast<HalideLoweringOpInterface>(o);
    if (!lowering)
      return ctx.fail(&o, "no Halide lowering for " +
                              o.getName().getStringRef().str());
    if (mlir::failed(lowering.lowerToHalide(ctx)))
      return mlir::failure();
    if (auto cost = mlir::dyn_cast<nn::CostOpInterface>(o)) {
      double share = tokenShare(&o, ctx.fixedSeq);
      tk.flopsPerToken += cost.getFlopsPerToken() * share;
      tk.flopsPerTokenSeq += cost.getFlopsPerTokenSeq() * share * share;
    }
  }
  std::vector<Func> outs;
  for (auto [i, v] : llvm::enumerate(op.getYield()->getOperands())) {
    if (mlir::cast<mlir::RankedTensorType>(v.getType()).getRank() != 3)
      return ctx.fail(op, "kernel results must be [batch, seq, C] activations");
    int64_t C = dimOf(v, 2);
    Func out("out" + std::to_string(i));
    out(ctx.actVars()) = LoweringContext::at(ctx.in(v), ctx.c, ctx.tokenArgs());
    OutputImageParam ob = out.output_buffer();
    ob.dim(0).set_bounds(0, (int)C);
    ob.dim(1).set_min(0).set_stride((int)C);
    if (!ctx.flat)
      ob.dim(2).set_min(0).set_stride(ob.dim(1).extent() * (int)C);
    outs.push_back(out);
    tk.outputChannels.push_back(C);
    auto vt = mlir::cast<mlir::RankedTensorType>(v.getType());
    tk.outputTokens.push_back(vt.isDynamicDim(1) ? 0 : vt.getDimSize(1));
  }
  ScheduleEnv env = makeScheduleEnv(outs);
  scheduleKernel(op.getKind(), env);
  tk.pipeline = Pipeline(outs);
  for (ImageParam &p : params)
    tk.args.push_back(Argument(p));
  return tk;
}

/// Whether some op of the kernel needs positions (then it is not flat).
bool needsPositions(nn::KernelOp op) {
  for (mlir::Operation &o : op.getBlock())
    if (auto l = mlir::dyn_cast<HalideLoweringOpInterface>(o))
      if (l.needsPositions())
        return true;
  return false;
}

} // namespace

mlir::FailureOr<TranslatedKernel>
translateKernel(nn::KernelOp op, const Target &target, int64_t fixedSeq) {
  Translator t(op, target, /*flat=*/!needsPositions(op), fixedSeq);
  return t.run();
}

} // namespace modelc::codegen
