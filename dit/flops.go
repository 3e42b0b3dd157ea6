package dit

// ForwardFLOPs counts the floating-point operations of one forward pass on
// a batch of b images, counting only the matrix products (2 FLOP per
// multiply-add); layer norms, activations and softmax are a few percent
// and left out, as is usual. With T tokens, hidden D, MLP width r·D, patch
// P, C input and C_out output channels, per image:
//
//	patch embedding   2·T·(C·P²)·D
//	timestep MLP      2·(256·D + D·D)
//	per block         2·D·6D              adaLN modulation
//	                + 2·T·D·3D            qkv
//	                + 2·2·T²·D            q·kᵀ and p·v, all heads together
//	                + 2·T·D·D             output projection
//	                + 2·2·T·D·rD          MLP
//	final layer       2·D·2D + 2·T·D·(P²·C_out)
//
// A training step (forward and backward) is taken as three forward passes,
// the convention of the scaling-law literature: the backward pass does two
// products for each one of the forward.
func (c Config) ForwardFLOPs(b int) float64 {
	t, d := float64(c.Tokens()), float64(c.Hidden)
	p2 := float64(c.Patch * c.Patch)
	r := float64(c.MLPRatio)
	perImage := 2*t*float64(c.Channels)*p2*d + 2*(256*d+d*d)
	perBlock := 2*d*6*d + 2*t*d*3*d + 4*t*t*d + 2*t*d*d + 4*t*d*r*d
	perImage += float64(c.Depth) * perBlock
	perImage += 2*d*2*d + 2*t*d*p2*float64(c.OutChannels())
	return float64(b) * perImage
}

// TrainFLOPs is the FLOP count of one training step on a batch of b images:
// 3 × ForwardFLOPs (see there).
func (c Config) TrainFLOPs(b int) float64 { return 3 * c.ForwardFLOPs(b) }
