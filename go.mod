module github.com/ditgo/ditgo

go 1.26

require github.com/vulkan-go/vulkan v0.0.0-20221209234627-c0a353ae26c8 // indirect
