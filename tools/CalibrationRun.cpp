//===- CalibrationRun.cpp - a library run on the calibration input --------===//
#include "tools/CalibrationRun.h"

#include "runtime/npy.h"

namespace modelc {

mlir::LogicalResult loadCalibration(const std::string &path,
                                    CalibrationInput &input,
                                    std::string &error) {
  input.path = path;
  if (mrt_npy_load(path.c_str(), &input.tokens.t) == MRT_OK)
    return mlir::success();
  error = "--calib " + path + ": " + mrt_last_error();
  return mlir::failure();
}

mlir::LogicalResult CalibrationRun::rerun(CalibrationInput &input,
                                          std::string &error) {
  std::vector<mrt_tensor> outs;
  for (const auto &o : outputs)
    outs.push_back(o->t);
  if (mrt_run(model.get(), &input.tokens.t, 1, outs.data(),
              (int32_t)outs.size()) == MRT_OK)
    return mlir::success();
  error = "--calib " + input.path + " does not fit the signature " +
          mrt_signature(model.get()) + ": " + mrt_last_error();
  return mlir::failure();
}

mlir::LogicalResult runOnCalibration(const std::string &lib,
                                     CalibrationInput &input,
                                     CalibrationRun &run, std::string &error) {
  run.model = mrt::cli::loadModel(lib, "");
  mrt_model *model = run.model.get();
  if (!model) {
    error = mrt_last_error();
    return mlir::failure();
  }
  if (mrt_num_inputs(model) != 1) {
    error = std::string("--calib gives the one input of a model; this one "
                        "has the signature ") +
            mrt_signature(model);
    return mlir::failure();
  }
  mrt_tensor &tokens = input.tokens.t;
  mrt_tensor_info in;
  mrt_input_info(model, 0, &in);
  if (tokens.rank != 2 || tokens.dtype != in.dtype) {
    error = "--calib " + input.path + " does not fit the signature " +
            mrt_signature(model) + ": it must be int32 [batch, seq]";
    return mlir::failure();
  }
  tokens.name = in.name;
  run.outputs.clear();
  for (int32_t i = 0; i < mrt_num_outputs(model); ++i) {
    auto out = std::make_unique<OwnedTensor>();
    mrt_tensor_info info;
    mrt_output_info(model, i, &info);
    out->name = info.name;
    out->t.dtype = info.dtype;
    if (mrt_output_shape(model, i, tokens.dims[0], tokens.dims[1], &out->t.rank,
                         out->t.dims) != MRT_OK ||
        mrt_tensor_alloc(&out->t) != MRT_OK) {
      error = "--calib " + input.path + " does not fit the signature " +
              mrt_signature(model) + ": " + mrt_last_error();
      return mlir::failure();
    }
    run.outputs.push_back(std::move(out));
  }
  return run.rerun(input, error);
}

} // namespace modelc
