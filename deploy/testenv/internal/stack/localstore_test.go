package stack

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
)

// TestSettleLocalStore: the first up chooses the store, later ones keep it; another user gets
// keys of their own with the same root and port; a port taken moves only when allowed; the
// file make run reads says all Basalt needs, and the user's name is Basalt's local name.
func TestSettleLocalStore(t *testing.T) {
	l := Layout{State: t.TempDir()}
	first, err := SettleLocalStore(l, "Dev.User", false)
	if err != nil {
		t.Fatal(err)
	}
	if first.User != "dev-user" || first.Port < 20000 || first.RootSecret == "" || first.SecretKey == "" ||
		len(first.AccessKey) < 3 || len(first.AccessKey) > 20 {
		t.Fatalf("first store: %+v", first)
	}
	again, err := SettleLocalStore(l, "Dev.User", true)
	if err != nil || again != first {
		t.Errorf("settled again: %+v, %v; want %+v", again, err, first)
	}

	other, err := SettleLocalStore(l, "root", false)
	if err != nil {
		t.Fatal(err)
	}
	if other.User != "root" || other.AccessKey == first.AccessKey || other.SecretKey == first.SecretKey ||
		other.RootSecret != first.RootSecret || other.Port != first.Port {
		t.Errorf("another user: %+v, after %+v", other, first)
	}

	taken, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", other.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	kept, err := SettleLocalStore(l, "root", false)
	if err != nil || kept.Port != other.Port {
		t.Errorf("without move, a taken port: %d, %v; want it kept (%d)", kept.Port, err, other.Port)
	}
	moved, err := SettleLocalStore(l, "root", true)
	if err != nil || moved.Port == other.Port || moved.AccessKey != other.AccessKey {
		t.Errorf("with move, a taken port: %+v, %v; want another port, the same keys as %+v", moved, err, other)
	}

	data, err := os.ReadFile(l.StoreEnvFile())
	if err != nil {
		t.Fatal(err)
	}
	host := l.podNetwork().hostIP.String()
	for _, want := range []string{
		fmt.Sprintf("BASALT_TESTENV_S3_ENDPOINT='http://127.0.0.1:%d'\n", moved.Port),
		fmt.Sprintf("BASALT_TESTENV_POD_S3_ENDPOINT='http://%s:%d'\n", host, moved.Port),
		"BASALT_TESTENV_S3_REGION='us-east-1'\n",
		"BASALT_TESTENV_LOCAL_USER='root'\n",
		"BASALT_TESTENV_LOCAL_BUCKET='user-root'\n",
		"BASALT_TESTENV_LOCAL_ACCESS_KEY='" + moved.AccessKey + "'\n",
		"BASALT_TESTENV_LOCAL_SECRET_KEY='" + moved.SecretKey + "'\n",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q:\n%s", l.StoreEnvFile(), want, data)
		}
	}
	if strings.Contains(string(data), moved.RootSecret) {
		t.Errorf("%s holds MinIO's root secret", l.StoreEnvFile())
	}
	for _, name := range []string{l.StoreEnvFile(), l.storeSettings()} {
		if info, err := os.Stat(name); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want mode 0600", name, info.Mode(), err)
		}
	}

	if _, err := SettleLocalStore(l, "...", false); err == nil || !strings.Contains(err.Error(), "-local-user") {
		t.Errorf("a name without letters: %v", err)
	}
}
