package tracing

var QuietLogger = quietLogger
