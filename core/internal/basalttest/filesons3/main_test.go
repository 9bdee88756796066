// Package filesons3 tests Basalt's files API on the s3 plugin and MinIO, whole processes side
// by side with a direct S3 client (minio-go). It is a module of its own so that minio-go, which
// only these tests use, stays out of the core's requirements.
package filesons3

import (
	"os"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/basalttest"
)

func TestMain(m *testing.M) {
	os.Exit(basalttest.Run(m))
}
