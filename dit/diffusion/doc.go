// Package diffusion is the diffusion process a denoiser is trained and
// sampled with, whatever the network: the DiT (package dit) or any other
// model that implements Denoiser.
//
//   - schedule.go: the discrete process, β_t and what follows from it
//     (ᾱ_t, the posterior's mean and variance), its respacing, and the
//     DDPM and DDIM timestep choices;
//   - loss.go: the training objective, the noise MSE plus, for a learned
//     variance, the variational bound (the hybrid loss of Nichol &
//     Dhariwal 2021);
//   - sample.go: DDPM and DDIM sampling with classifier-free guidance.
//
// Everything here is written with the autograd graph's ops, so it runs on
// any device the model does.
package diffusion
