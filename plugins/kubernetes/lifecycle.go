package kubernetes

import (
	"context"
	"errors"
	"maps"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/sdk"
)

func (p *Plugin) Suspend(ctx context.Context, req sdk.SuspendRequest) (sdk.SuspendResponse, error) {
	return sdk.SuspendResponse{}, p.setSuspended(ctx, req.ReleaseRef, true)
}

func (p *Plugin) Resume(ctx context.Context, req sdk.ResumeRequest) (sdk.ResumeResponse, error) {
	return sdk.ResumeResponse{}, p.setSuspended(ctx, req.ReleaseRef, false)
}

// setSuspended pauses or resumes a release as Onyxia does: an upgrade with the current values
// and global.suspend set, which Onyxia's charts answer with no replicas, Service or Ingress.
func (p *Plugin) setSuspended(ctx context.Context, ref sdk.ReleaseRef, suspend bool) error {
	f, err := p.find(ctx, ref)
	if err != nil {
		return err
	}
	if !f.d.suspendable {
		return sdk.Errorf(sdk.ErrInvalidArgument, "service %q cannot be paused: its values have no global.suspend", ref.Name)
	}
	s, c, err := p.configured()
	if err != nil {
		return err
	}
	cfg, err := c.actions(ctx, f.ns, ref.Caller)
	if err != nil {
		return err
	}
	unlock := p.locks.lock(f.ns, ref.Name)
	defer unlock()
	last, err := cfg.Releases.Last(ref.Name)
	if err != nil {
		return kubeError("reading release "+ref.Name, err)
	}
	if last.Info.Status.IsPending() {
		return sdk.Errorf(sdk.ErrConflict, "service %q is being changed (%s)", ref.Name, last.Info.Status)
	}
	if suspendOf(last.Config) == suspend && last.Info.Status.String() == "deployed" {
		return nil
	}
	ch, err := c.chartOf(ctx, f.ns, f.digest)
	if err != nil {
		return err
	}
	archived := ch != nil
	if !archived { // installed without Basalt: Helm's copy serves charts without subcharts
		ch = last.Chart
	}
	up := action.NewUpgrade(cfg)
	up.Namespace, up.Timeout, up.MaxHistory, up.ReuseValues = f.ns, s.timeout, s.HistoryMax, true
	up.DisableOpenAPIValidation = !s.ValidateManifests
	rel, err := up.RunWithContext(ctx, ref.Name, ch, map[string]any{"global": map[string]any{"suspend": suspend}})
	if err != nil {
		return installError(ref.Name, err)
	}
	if archived { // the new revision runs from the same archive: a rollback to it finds it
		record, err := c.client.CoreV1().Secrets(f.ns).Get(ctx, helmRecord(ref.Name, rel.Version), metav1.GetOptions{})
		if err == nil {
			err = c.ownArchive(ctx, f.ns, f.digest, record)
		}
		if err != nil {
			p.log.Warn("handing the chart archive to the new revision", "namespace", f.ns, "release", ref.Name, "error", err)
		}
	}
	return nil
}

// Uninstall removes a release and its metadata; a release already gone is not an error. An
// install of it still running is stopped first.
func (p *Plugin) Uninstall(ctx context.Context, req sdk.UninstallRequest) (sdk.UninstallResponse, error) {
	f, err := p.find(ctx, req.ReleaseRef)
	if errors.Is(err, sdk.ErrNotFound) {
		return sdk.UninstallResponse{}, nil
	}
	if err != nil {
		return sdk.UninstallResponse{}, err
	}
	s, c, err := p.configured()
	if err != nil {
		return sdk.UninstallResponse{}, err
	}
	p.inFlight.stop(f.ns, req.Name)
	cfg, err := c.actions(ctx, f.ns, req.Caller)
	if err != nil {
		return sdk.UninstallResponse{}, err
	}
	unlock := p.locks.lock(f.ns, req.Name)
	defer unlock()
	// The metadata goes first, so that a release half-uninstalled is not shown as Basalt's.
	err = c.client.CoreV1().Secrets(f.ns).Delete(ctx, metadataName(req.Name), metav1.DeleteOptions{})
	if err != nil && !isNotFound(err) {
		return sdk.UninstallResponse{}, kubeError("deleting the metadata of "+req.Name, err)
	}
	f.sp.wrote(metadataName(req.Name), "")
	if err := c.deleteEnvSecret(ctx, f.ns, req.Name); err != nil {
		return sdk.UninstallResponse{}, err
	}
	un := action.NewUninstall(cfg)
	un.IgnoreNotFound, un.Timeout, un.DeletionPropagation = true, s.timeout, "background"
	if _, err := un.Run(req.Name); err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
		return sdk.UninstallResponse{}, kubeError("uninstalling "+req.Name, err)
	}
	p.log.Info("uninstalled", "namespace", f.ns, "release", req.Name, "user", req.Caller.Username)
	return sdk.UninstallResponse{}, nil
}

// UpdateRelease renames or (un)shares a release and changes its lifecycle state, in its
// metadata Secret, created for a release installed without Basalt. Each change is made to the
// Secret as the API server holds it, so that two callers changing different keys at once keep
// both.
func (p *Plugin) UpdateRelease(ctx context.Context, req sdk.UpdateReleaseRequest) (sdk.UpdateReleaseResponse, error) {
	f, err := p.find(ctx, req.ReleaseRef)
	if err != nil {
		return sdk.UpdateReleaseResponse{}, err
	}
	_, c, err := p.configured()
	if err != nil {
		return sdk.UpdateReleaseResponse{}, err
	}
	if err := sdk.CheckLifecycle(f.md.Lifecycle, req.Lifecycle); err != nil {
		return sdk.UpdateReleaseResponse{}, err
	}
	if req.Grants != nil {
		if err := sdk.CheckGrants(*req.Grants); err != nil {
			return sdk.UpdateReleaseResponse{}, err
		}
	}
	if !f.has {
		first, ferr := c.client.CoreV1().Secrets(f.ns).Get(ctx, helmRecord(req.Name, 1), metav1.GetOptions{})
		if ferr != nil {
			first = f.rec.owner()
		}
		if _, err := c.writeMetadata(ctx, f.sp, req.Project, req.Name, first, f.md, ""); err != nil {
			return sdk.UpdateReleaseResponse{}, err
		}
	}
	err = c.updateMetadata(ctx, f.sp, req.Name, func(s *corev1.Secret) error {
		if req.FriendlyName != nil {
			delete(s.Data, "friendlyName")
		}
		if req.FriendlyName != nil || req.Shared != nil {
			md := metadataOf(s)
			if req.FriendlyName != nil {
				md.FriendlyName = *req.FriendlyName
			}
			if req.Shared != nil {
				md.Shared = *req.Shared
			}
			maps.Copy(s.Data, metadataData(md))
		}
		if req.Grants != nil {
			delete(s.Data, grantsKey)
			if len(*req.Grants) > 0 {
				s.Data[grantsKey] = grantsData(*req.Grants)
			}
		}
		if len(req.Lifecycle) > 0 {
			have := lifecycleOf(s.Data)
			if err := sdk.CheckLifecycle(have, req.Lifecycle); err != nil {
				return err
			}
			setLifecycle(s.Data, sdk.MergeLifecycle(have, req.Lifecycle))
		}
		return nil
	})
	if err != nil {
		return sdk.UpdateReleaseResponse{}, err
	}
	f, err = p.find(ctx, req.ReleaseRef)
	if err != nil {
		return sdk.UpdateReleaseResponse{}, err
	}
	return sdk.UpdateReleaseResponse{Release: f.inf.view(f.ns, f.d, f.md)}, nil
}
