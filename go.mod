module github.com/ditgo/ditgo

go 1.26
