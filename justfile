# Recipes for the common jobs. `just --list` shows them.

# Run every test: the shared op suite on each device, gradient checks, examples.
test:
    go test ./...

# What CI runs on a clean clone.
ci:
    .ci/run

# Train a DiT (the trainer arrives with its issue; until then this says so).
train *ARGS:
    go run ./train {{ARGS}}

# Only the gradient checks (float64 central differences on the CPU reference).
gradcheck:
    go test ./autograd -run TestGradCheck -v

# Only the shared op suite on the CPU device.
opsuite:
    go test ./tensor -run TestCPUOpSuite -v
