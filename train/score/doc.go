// Package score measures how good a class-conditional image model's
// samples are, with two numbers (Scores):
//
//   - the conditional accuracy: the share of samples that a classifier
//     reads as the class they were drawn for;
//   - an FID-style Fréchet distance between that classifier's penultimate
//     features of the samples and of real images.
//
// The classifier is a small MLP trained by this engine on the real training
// set, in the role Inception-v3 plays for ImageNet FID. Reading order:
//
//	classifier.go    the MLP: x [B, C·H·W] → features [B, 128] → logits [B, K]
//	crossentropy.go  its loss, built from autograd's primitives
//	cache.go         the classifier kept in a safetensors file, keyed by the data
//	fid.go           the Fréchet distance of two Gaussians (gonum's mat)
//	score.go         Scores and Score: the two numbers for a set of samples
//
// Dimensions: B batch, K classes, C·H·W pixels of an image.
//
// It imports the engine below it (tensor, autograd, nn), train/data for the
// images, and gonum.org/v1/gonum/mat for the eigendecompositions; nothing
// of the DiT, which it scores only through the samples it is given.
package score
