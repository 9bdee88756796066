module github.com/basalt-dev/basalt/web

go 1.26
