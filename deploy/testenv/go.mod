module github.com/basalt-dev/basalt/deploy/testenv

go 1.26.0
