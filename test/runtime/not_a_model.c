/* not_a_model.c - a shared library without the modelc ABI symbols. */
__attribute__((visibility("default"))) int not_a_model(void) { return 42; }
