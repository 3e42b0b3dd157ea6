package unet

import "slices"

// The U-Net's layout, worked out once from the config: which layers sit in
// which block, with their channels and resolution. The model is built from
// it and the FLOPs are counted from it, so the two cannot disagree.

type layerKind int

const (
	kindInput layerKind = iota // 3×3 convolution, image → Base channels
	kindRes                    // ResBlock, in → out channels
	kindAttn                   // AttentionBlock over out channels
	kindDown                   // stride-2 convolution
	kindUp                     // nearest 2× and a 3×3 convolution
)

// layerSpec is one layer: its kind, its channels in and out, and the side
// of the feature map it reads.
type layerSpec struct {
	kind    layerKind
	in, out int
	side    int
}

// plan is the whole network: the encoder's blocks (input_blocks), the
// middle block and the decoder's blocks (output_blocks), each a sequence of
// layers, and the channels of the output norm.
type plan struct {
	input, output [][]layerSpec
	middle        []layerSpec
	outCh         int
}

// layout is the plan of the public UNetModel: per level, ResBlocks
// ResBlocks (each followed by attention at the AttnDS factors) and, except
// at the last level, a downsampling; the middle block Res, Attn, Res; and
// per level in reverse, ResBlocks+1 ResBlocks on the concatenation of the
// current features and the matching encoder output (popped last in, first
// out), with attention at the same factors, and an upsampling at the end
// of every level but the first.
func (c Config) layout() plan {
	var p plan
	ch, side, ds := c.Base, c.InputSize, 1
	skips := []int{ch} // the channels of each encoder output, for the decoder
	p.input = append(p.input, []layerSpec{{kindInput, c.Channels, ch, side}})
	attn := func(ch, side int) layerSpec { return layerSpec{kindAttn, ch, ch, side} }
	for level, mult := range c.Mult {
		for range c.ResBlocks {
			seq := []layerSpec{{kindRes, ch, c.Base * mult, side}}
			ch = c.Base * mult
			if slices.Contains(c.AttnDS, ds) {
				seq = append(seq, attn(ch, side))
			}
			p.input = append(p.input, seq)
			skips = append(skips, ch)
		}
		if level < len(c.Mult)-1 {
			p.input = append(p.input, []layerSpec{{kindDown, ch, ch, side}})
			skips = append(skips, ch)
			side, ds = side/2, ds*2
		}
	}
	p.middle = []layerSpec{{kindRes, ch, ch, side}, attn(ch, side), {kindRes, ch, ch, side}}
	for level := len(c.Mult) - 1; level >= 0; level-- {
		for i := range c.ResBlocks + 1 {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			seq := []layerSpec{{kindRes, ch + skip, c.Base * c.Mult[level], side}}
			ch = c.Base * c.Mult[level]
			if slices.Contains(c.AttnDS, ds) {
				seq = append(seq, attn(ch, side))
			}
			if level > 0 && i == c.ResBlocks {
				seq = append(seq, layerSpec{kindUp, ch, ch, side})
				side, ds = side*2, ds/2
			}
			p.output = append(p.output, seq)
		}
	}
	p.outCh = ch
	return p
}

// ForwardFLOPs counts the floating-point operations of one forward pass on
// a batch of b images as dit.Config.ForwardFLOPs does: only the matrix
// products (a convolution is one: 2 FLOP per multiply-add, out·in·k² of
// them at each output position), not norms, activations or softmax. Per
// image, with S the side of a layer's input:
//
//	3×3 convolution      2·S²·out·in·9          (stride 2: S²/4 positions)
//	ResBlock             conv₁ + conv₂ + the embedding Linear 2·E·2·out
//	                     + a 1×1 skip 2·S²·out·in when in ≠ out
//	AttentionBlock       qkv 2·T·C·3C + q·kᵀ and p·v 2·2·T²·C + proj 2·T·C·C, T = S²
//	Upsample             its 3×3 convolution at side 2S
//	timestep MLP         2·(Base·E + E·E), E = 4·Base
//	output               a 3×3 convolution to C_out
func (c Config) ForwardFLOPs(b int) float64 {
	e := float64(c.EmbedDim())
	conv := func(side, in, out, k int) float64 {
		return 2 * float64(side*side) * float64(out*in*k*k)
	}
	layer := func(l layerSpec) float64 {
		switch l.kind {
		case kindInput:
			return conv(l.side, l.in, l.out, 3)
		case kindRes:
			f := conv(l.side, l.in, l.out, 3) + conv(l.side, l.out, l.out, 3) + 2*e*2*float64(l.out)
			if l.in != l.out {
				f += conv(l.side, l.in, l.out, 1)
			}
			return f
		case kindAttn:
			t, ch := float64(l.side*l.side), float64(l.out)
			return 2*t*ch*3*ch + 4*t*t*ch + 2*t*ch*ch
		case kindDown:
			return conv(l.side/2, l.in, l.out, 3)
		default: // kindUp
			return conv(2*l.side, l.in, l.out, 3)
		}
	}
	p := c.layout()
	perImage := 2*(float64(c.Base)*e+e*e) + conv(c.InputSize, p.outCh, c.OutChannels(), 3)
	for _, seq := range slices.Concat(p.input, [][]layerSpec{p.middle}, p.output) {
		for _, l := range seq {
			perImage += layer(l)
		}
	}
	return float64(b) * perImage
}

// TrainFLOPs is 3 × ForwardFLOPs, the convention of dit.Config.TrainFLOPs.
func (c Config) TrainFLOPs(b int) float64 { return 3 * c.ForwardFLOPs(b) }

// ActivationFloats counts the floats of the feature maps one image's
// forward pass writes and its backward pass keeps, per layer, with S the
// side of the map a layer writes:
//
//	3×3 input convolution   out·S²
//	ResBlock                (in + 4·out)·S²: the GroupNorm-SiLU of its
//	                        input and of its first convolution's output
//	                        (one kernel each, which keeps only its output),
//	                        the two convolutions and the residual sum
//	AttentionBlock          11·C·S²: the norm, qkv and its head layout, the
//	                        attention, its merged heads, the projection and
//	                        the residual sum
//	downsampling            out·S²
//	upsampling              2·out·S² at the doubled side: the nearest copy
//	                        and the convolution
//
// It is a count of what the graph holds, not of the bytes a device
// allocates; train's host-memory estimate scales it by a constant measured
// on the named U-Nets.
func (c Config) ActivationFloats() float64 {
	layer := func(l layerSpec) float64 {
		s := float64(l.side * l.side)
		switch l.kind {
		case kindInput:
			return float64(l.out) * s
		case kindRes:
			return float64(l.in+4*l.out) * s
		case kindAttn:
			return 11 * float64(l.out) * s
		case kindDown:
			return float64(l.out) * s / 4
		default: // kindUp
			return 2 * float64(l.out) * 4 * s
		}
	}
	p := c.layout()
	total := 2 * float64(p.outCh*c.InputSize*c.InputSize) // the output's GroupNorm-SiLU and convolution
	for _, seq := range slices.Concat(p.input, [][]layerSpec{p.middle}, p.output) {
		for _, l := range seq {
			total += layer(l)
		}
	}
	return total
}

// ParamCount counts the model's parameters from its plan, without building
// it: what Params.Count of the built model returns. Per layer (biases
// included; a GroupNorm has a scale and a shift per channel):
//
//	3×3 convolution   9·in·out + out
//	ResBlock          GroupNorms 2·in + 2·out, convolutions 9·in·out + out
//	                  and 9·out·out + out, the embedding Linear E·2·out + 2·out,
//	                  a 1×1 skip in·out + out when in ≠ out
//	AttentionBlock    GroupNorm 2·C, qkv 3·C·C + 3·C, proj C·C + C
//	timestep MLP      Base·E + E + E·E + E, the label table (Classes (+1))·E,
//	                  the output GroupNorm and 3×3 convolution
func (c Config) ParamCount() int {
	e := c.EmbedDim()
	conv := func(in, out, k int) int { return k*k*in*out + out }
	layer := func(l layerSpec) int {
		switch l.kind {
		case kindRes:
			n := 2*l.in + 2*l.out + conv(l.in, l.out, 3) + conv(l.out, l.out, 3) + e*2*l.out + 2*l.out
			if l.in != l.out {
				n += conv(l.in, l.out, 1)
			}
			return n
		case kindAttn:
			return 2*l.out + 3*l.out*l.out + 3*l.out + l.out*l.out + l.out
		default: // the input convolution, downsampling and upsampling
			return conv(l.in, l.out, 3)
		}
	}
	rows := c.Classes
	if c.ClassDropout > 0 {
		rows++
	}
	p := c.layout()
	n := c.Base*e + e + e*e + e + rows*e + 2*p.outCh + conv(p.outCh, c.OutChannels(), 3)
	for _, seq := range slices.Concat(p.input, [][]layerSpec{p.middle}, p.output) {
		for _, l := range seq {
			n += layer(l)
		}
	}
	return n
}
