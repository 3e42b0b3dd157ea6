package tensor

// Exp32 exposes exp32 to the external tests.
var Exp32 = exp32
