// RUN: modelc-opt %s -split-input-file -verify-diagnostics

func.func @scale_sizes() -> tensor<8xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  %v = nn.weight "v" : tensor<4xf32>
  // expected-error @+1 {{variance has 4 elements but the result has 8}}
  %k = nn.weight.bn_scale %g, %v {epsilon = 1.0e-05 : f32} : (tensor<8xf32>, tensor<4xf32>) -> tensor<8xf32>
  return %k : tensor<8xf32>
}

// -----

func.func @alpha_not_scalar() -> tensor<8xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  // expected-error @+1 {{alpha has 8 elements; RepBN's alpha is one scalar}}
  %k = nn.weight.bn_scale %g, %g, %g {epsilon = 1.0e-05 : f32} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %k : tensor<8xf32>
}

// -----

func.func @shift_sizes() -> tensor<8xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  %m = nn.weight "m" : tensor<6xf32>
  // expected-error @+1 {{mean has 6 elements but the result has 8}}
  %t = nn.weight.bn_shift %g, %m, %g, %g {epsilon = 1.0e-05 : f32} : (tensor<8xf32>, tensor<6xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %t : tensor<8xf32>
}

// -----

func.func @epsilon() -> tensor<8xf32> {
  %g = nn.weight "g" : tensor<8xf32>
  // expected-error @+1 {{epsilon must be positive}}
  %t = nn.weight.bn_shift %g, %g, %g, %g {epsilon = 0.0 : f32} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %t : tensor<8xf32>
}
