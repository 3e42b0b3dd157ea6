// Package diffusion is the diffusion process a denoiser is trained and
// sampled with — or rectified flow, its straight-line alternative —
// whatever the network: the DiT (package dit) or any other model that
// implements Denoiser.
//
//   - schedule.go: the discrete process, β_t and what follows from it
//     (ᾱ_t, the posterior's mean and variance), its respacing, and the
//     DDPM and DDIM timestep choices;
//   - loss.go: the training objective, the noise MSE plus, for a learned
//     variance, the variational bound (the hybrid loss of Nichol &
//     Dhariwal 2021);
//   - sample.go: DDPM and DDIM sampling with classifier-free guidance;
//   - flow.go: rectified flow, the second objective (Liu et al. 2023; SD3):
//     the straight path x_t = (1 − t)·x0 + t·ε, t ∈ [0, 1], its velocity
//     loss and logit-normal noise levels;
//   - flowsample.go: its Euler and Heun samplers, with guidance and SD3's
//     time shift, behind the same Sample.
//
// Everything here is written with the autograd graph's ops, so it runs on
// any device the model does.
package diffusion
