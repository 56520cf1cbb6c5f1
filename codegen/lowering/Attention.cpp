//===- Attention.cpp - Halide lowering of RoPE and softmax attention ------===//
#include "codegen/schedules/Attention.h"
#include "codegen/Math.h"
#include "codegen/lowering/Families.h"
#include "codegen/lowering/HalideLowering.h"
#include "codegen/lowering/LoweringContext.h"
#include "dialect/NNOps.h"

#include <cmath>

using namespace Halide;
using mlir::LogicalResult;
using mlir::Operation;

namespace modelc::codegen {

namespace {

using Tokens = std::vector<Expr>;

struct RopeLowering
    : HalideLoweringOpInterface::ExternalModel<RopeLowering, nn::RopeOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::RopeOp>(o);
    Func x = ctx.in(op.getInput());
    int64_t C = dimOf(op.getInput(), 2);
    int heads = (int)op.getHeads();
    int hd = (int)(C / heads), half = hd / 2;
    double theta = op.getTheta().convertToDouble();
    std::string nm = ctx.name();
    // inv_freq as the oracle computes it: in double, rounded to float.
    Buffer<float> inv(half, nm + "_inv_freq");
    for (int p = 0; p < half; ++p)
      inv(p) = (float)std::pow(theta, -2.0 * p / hd);
    Var p("p"), sv("sp");
    Func cosT(nm + "_cos"), sinT(nm + "_sin");
    Expr ang = cast<float>(sv) * inv(clamp(p, 0, half - 1));
    cosT(p, sv) = cos(ang);
    sinT(p, sv) = sin(ang);
    ctx.addRoot(cosT);
    ctx.addRoot(sinT);
    bool interleaved = op.getStyle() == nn::RopeStyle::interleaved;
    auto at = LoweringContext::at;
    ctx.define(
        op.getResult(), ctx.def(nm + "_rope", [&](Expr cc, const Tokens &t) {
          // Channel cc = head*hd + i; partners are built from (head, pair) so
          // bounds inference keeps every access inside the head.
          Expr head = cc / hd, i = cc % hd, base = head * hd;
          Expr pos = t[0];
          if (interleaved) {
            Expr pi = i / 2;
            Expr even = (i % 2) == 0;
            Expr x0 = at(x, base + pi * 2, t), x1 = at(x, base + pi * 2 + 1, t);
            Expr cs = cosT(pi, pos), sn = sinT(pi, pos);
            return select(even, x0 * cs - x1 * sn, x0 * sn + x1 * cs);
          }
          Expr pi = i % half;
          Expr x0 = at(x, base + pi, t), x1 = at(x, base + pi + half, t);
          Expr cs = cosT(pi, pos), sn = sinT(pi, pos);
          return select(i < half, x0 * cs - x1 * sn, x0 * sn + x1 * cs);
        }));
    return mlir::success();
  }
};

struct AttentionLowering
    : HalideLoweringOpInterface::ExternalModel<AttentionLowering,
                                               nn::AttentionOp> {
  bool needsPositions(Operation *) const { return true; }
  LogicalResult lowerToHalide(Operation *o, LoweringContext &ctx) const {
    auto op = mlir::cast<nn::AttentionOp>(o);
    Func Q = ctx.in(op.getQuery()), Kf = ctx.in(op.getKey()),
         Vf = ctx.in(op.getValue());
    int heads = (int)op.getHeads(), kvHeads = (int)op.getKvHeads();
    int d = (int)op.getHeadDim();
    int group = heads / kvHeads;
    float scale = op.getScale().convertToFloat();
    bool causal = op.getCausal();
    std::string nm = ctx.name();
    auto &A = ctx.addStage(std::make_unique<AttentionStages>(op.getResult()));
    A.d = d;
    Var kj = A.kj, qi = A.qi, h = A.h, bb = A.bb, j = A.j;
    Expr kvh = h / group;
    A.qh = Func(nm + "_q");
    A.kh = Func(nm + "_kT");
    Var r("r");
    A.qh(r, qi, h, bb) = Q(h * d + r, qi, bb) * scale;
    A.kh(kj, r, h, bb) = Kf(kvh * d + r, kj, bb);
    Expr S = ctx.seqLen;
    auto keys = [&](const std::string &n) {
      RDom kr(0, S, n);
      if (causal)
        kr.where(kr.x <= qi);
      return kr;
    };
    Func score(nm + "_score");
    if (!ctx.gpu) {
      A.sc = Func(nm + "_scores");
      A.rr = RDom(0, d, nm + "_d");
      A.sc(kj, qi, h, bb) = 0.0f;
      A.sc(kj, qi, h, bb) += A.qh(A.rr.x, qi, h, bb) * A.kh(kj, A.rr.x, h, bb);
      score = A.sc;
    } else {
      // GPU: the score is a pure expression (recomputed per use).
      Expr sum = 0.0f;
      for (int rr = 0; rr < d; ++rr)
        sum = sum + A.qh(rr, qi, h, bb) * Kf(kvh * d + rr, kj, bb);
      score(kj, qi, h, bb) = sum;
    }
    A.krMax = keys(nm + "_kmax");
    A.mx = Func(nm + "_max");
    A.mx(qi, h, bb) = Float(32).min();
    A.mx(qi, h, bb) = max(A.mx(qi, h, bb), score(A.krMax.x, qi, h, bb));
    A.e = Func(nm + "_exp");
    A.e(kj, qi, h, bb) = expf32(score(kj, qi, h, bb) - A.mx(qi, h, bb));
    A.krDen = keys(nm + "_ksum");
    A.den = Func(nm + "_sum");
    A.den(qi, h, bb) = 0.0f;
    A.den(qi, h, bb) += A.e(A.krDen.x, qi, h, bb);
    A.krO = keys(nm + "_kv");
    A.o = Func(nm + "_pv");
    A.o(j, qi, h, bb) = 0.0f;
    A.o(j, qi, h, bb) += A.e(A.krO.x, qi, h, bb) * Vf(kvh * d + j, A.krO.x, bb);
    Func ofn = A.o, dfn = A.den;
    ctx.define(op.getResult(),
               ctx.def(nm + "_attention", [&](Expr cc, const Tokens &t) {
                 Expr hh = cc / d;
                 return ofn(cc % d, t[0], hh, t[1]) / dfn(t[0], hh, t[1]);
               }));
    return mlir::success();
  }
};

} // namespace

void registerAttentionCodegen(mlir::DialectRegistry &registry) {
  registry.addExtension(+[](mlir::MLIRContext *ctx, nn::NNDialect *) {
    nn::RopeOp::attachInterface<RopeLowering>(*ctx);
    nn::AttentionOp::attachInterface<AttentionLowering>(*ctx);
  });
  registerAttentionSchedule();
}

} // namespace modelc::codegen
