package stack

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopNode removes what the real node leaves once its kubelet and containerd are stopped:
// the runc shims (they leave containerd's process group), the pods' processes (found by
// their cgroups), every mount under the state directory (pod volumes, container root file
// systems, network namespaces), the cgroups and the bridge. Each step does nothing when
// there is nothing to remove, so it also runs when no node was started.
func stopNode(l Layout, out io.Writer) error {
	n := l.podNetwork()
	var errs []error
	if killed := killShims(l.containerdSocket()); killed > 0 {
		fmt.Fprintf(out, "testenv: stopped %d containerd shims\n", killed)
	}
	if err := killCgroup(n.cgroup); err != nil {
		errs = append(errs, err)
	}
	if err := unmountUnder(l.State); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, removeCgroup(n.cgroup))
	if _, err := net.InterfaceByName(n.bridge); err == nil {
		errs = append(errs, ipCommand("link", "del", n.bridge))
	}
	return errors.Join(errs...)
}

// killShims kills the containerd shims serving the containerd at socket, and returns how many.
func killShims(socket string) int {
	procs, _ := os.ReadDir("/proc")
	killed := 0
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if !strings.HasSuffix(args[0], "containerd-shim-runc-v2") {
			continue
		}
		for i, a := range args {
			if a == "-address" && i+1 < len(args) && args[i+1] == socket {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				killed++
				break
			}
		}
	}
	return killed
}

// cgroupDirs lists the directories of cgroup name in every hierarchy, children before parents.
func cgroupDirs(name string) []string {
	var roots []string
	if _, err := os.Stat(filepath.Join(cgroupFS, "cgroup.controllers")); err == nil {
		roots = []string{filepath.Join(cgroupFS, name)}
	} else {
		hierarchies, _ := os.ReadDir(cgroupFS)
		for _, h := range hierarchies {
			roots = append(roots, filepath.Join(cgroupFS, h.Name(), name))
		}
	}
	var dirs []string
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	return dirs
}

// killCgroup kills every process in cgroup name and its children, until none is left.
func killCgroup(name string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		alive := 0
		for _, dir := range cgroupDirs(name) {
			data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil {
					_ = syscall.Kill(pid, syscall.SIGKILL)
					alive++
				}
			}
		}
		if alive == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup %s: %d processes still running after SIGKILL", name, alive)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func removeCgroup(name string) error {
	var errs []error
	for _, dir := range cgroupDirs(name) {
		if err := syscall.Rmdir(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing cgroup %s: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mounts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			mounts = append(mounts, mp)
		}
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	return mounts, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space, and so on).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unmountUnder detaches every mount below dir, deepest first.
func unmountUnder(dir string) error {
	for range 3 {
		mounts, err := mountsUnder(dir)
		if err != nil || len(mounts) == 0 {
			return err
		}
		for _, m := range mounts {
			_ = syscall.Unmount(m, syscall.MNT_DETACH)
		}
	}
	mounts, err := mountsUnder(dir)
	if err == nil && len(mounts) > 0 {
		err = fmt.Errorf("still mounted under %s: %s", dir, strings.Join(mounts, ", "))
	}
	return err
}

// noMountsUnder guards the removal of the state's directories: a pod's volume is a bind
// mount, and removing through it would delete what it shows.
func noMountsUnder(dir string) error {
	mounts, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	if len(mounts) > 0 {
		return fmt.Errorf("not removing %s: %d file systems are still mounted under it (first: %s); run `testenv down`", dir, len(mounts), mounts[len(mounts)-1])
	}
	return nil
}

// RemoveData removes the data of the servers (`testenv down`), once nothing is mounted there.
func RemoveData(l Layout) error {
	if err := noMountsUnder(l.State); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(l.State, "data"))
}
