package kubernetes

import (
	"bufio"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/basalt-dev/basalt/sdk"
)

// instanceLabel is how Onyxia's charts (and Helm's conventions) label a release's pods.
const instanceLabel = "app.kubernetes.io/instance"

// userClient is the clientset that acts for the caller: the plugin's own, or the caller
// impersonated.
func (c *cluster) userClient(caller sdk.Caller) (k8s.Interface, error) {
	g, err := c.getter(caller)
	if err != nil {
		return nil, err
	}
	return g.client, nil
}

// findAsCaller finds a release and the clientset that reads its objects as the caller.
func (p *Plugin) findAsCaller(ctx context.Context, ref sdk.ReleaseRef) (*found, k8s.Interface, error) {
	f, err := p.find(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	_, c, err := p.configured()
	if err != nil {
		return nil, nil, err
	}
	client, err := c.userClient(ref.Caller)
	if err != nil {
		return nil, nil, err
	}
	return f, client, nil
}

// Logs streams the logs of the release's pods, each container's lines in order; with Follow,
// every container is followed at once until ctx ends.
func (p *Plugin) Logs(ctx context.Context, req sdk.LogsRequest, send func(sdk.LogLine) error) error {
	f, client, err := p.findAsCaller(ctx, req.ReleaseRef)
	if err != nil {
		return err
	}
	pods, err := client.CoreV1().Pods(f.ns).List(ctx, metav1.ListOptions{LabelSelector: instanceLabel + "=" + req.Name})
	if err != nil {
		return kubeError("listing the pods of "+req.Name, err)
	}
	type source struct {
		pod, container string
		started        bool // when listed: a container not started yet has no log to read
	}
	var sources []source
	for _, pod := range pods.Items {
		if req.Pod != "" && pod.Name != req.Pod {
			continue
		}
		for _, ctr := range pod.Spec.Containers {
			if req.Container == "" || ctr.Name == req.Container {
				sources = append(sources, source{pod.Name, ctr.Name, containerStarted(&pod, ctr.Name)})
			}
		}
	}
	if req.Pod != "" && len(sources) == 0 {
		return sdk.Errorf(sdk.ErrNotFound, "no pod %q with container %q in service %q", req.Pod, req.Container, req.Name)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lines := make(chan sdk.LogLine)
	var wg sync.WaitGroup
	var readErr error
	var once sync.Once
	read := func(src source) {
		opts := &corev1.PodLogOptions{Container: src.container, Follow: req.Follow, Timestamps: true}
		if req.TailLines > 0 {
			tail := int64(req.TailLines)
			opts.TailLines = &tail
		}
		stream, err := client.CoreV1().Pods(f.ns).GetLogs(src.pod, opts).Stream(ctx)
		// Following waits for a container that has not started yet, or a node that does
		// not answer yet, until the caller leaves.
		for err != nil && req.Follow && ctx.Err() == nil && !isNotFound(err) {
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
				stream, err = client.CoreV1().Pods(f.ns).GetLogs(src.pod, opts).Stream(ctx)
			}
		}
		if err != nil {
			// A container not started yet has no logs (the API server answers 400); a
			// started one that answers 400 has a log its node cannot read: the node is
			// at fault, not the request.
			what := "reading the logs of " + src.pod + "/" + src.container
			switch {
			case ctx.Err() != nil || isNotFound(err):
			case apierrors.IsBadRequest(err) && src.started:
				once.Do(func() { readErr = &sdk.Error{Kind: sdk.ErrUnavailable, Message: what + ": " + err.Error()} })
			case !apierrors.IsBadRequest(err):
				once.Do(func() { readErr = unavailable(what, err) })
			}
			return
		}
		defer stream.Close()
		sc := bufio.NewScanner(stream)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sdk.LogLine{Pod: src.pod, Container: src.container, Line: sc.Text()}
			if at, rest, ok := strings.Cut(line.Line, " "); ok {
				if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
					line.Time, line.Line = t, rest
				}
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
	}
	if req.Follow {
		for _, src := range sources {
			wg.Go(func() { read(src) })
		}
	} else {
		wg.Go(func() { // one container after the other, so that each comes whole
			for _, src := range sources {
				read(src)
			}
		})
	}
	go func() { wg.Wait(); close(lines) }()
	for line := range lines {
		if err := send(line); err != nil {
			cancel()
			for range lines { // let the readers end
			}
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return readErr
}

// containerStarted says whether a pod's container runs or has run, and so has a log.
func containerStarted(pod *corev1.Pod, container string) bool {
	for _, st := range pod.Status.ContainerStatuses {
		if st.Name == container {
			return st.State.Running != nil || st.State.Terminated != nil || st.LastTerminationState.Terminated != nil
		}
	}
	return false
}

// eventFilter keeps the events of a release's objects: those of its manifest, and the pods
// and replica sets its workloads make (named after them).
type eventFilter struct {
	objects   map[string]bool
	workloads []string
}

func newEventFilter(sum manifestSummary) eventFilter {
	f := eventFilter{objects: sum.objects}
	for _, w := range sum.workloads {
		f.workloads = append(f.workloads, w.name+"-")
	}
	return f
}

func (f eventFilter) keeps(kind, name string) bool {
	if f.objects[kind+"/"+name] {
		return true
	}
	if kind == "Pod" || kind == "ReplicaSet" || kind == "PersistentVolumeClaim" {
		return slices.ContainsFunc(f.workloads, func(prefix string) bool { return strings.HasPrefix(name, prefix) })
	}
	return false
}

func eventOf(e *eventsv1.Event) sdk.Event {
	at := e.EventTime.Time
	count := 1
	if e.Series != nil {
		at, count = e.Series.LastObservedTime.Time, int(e.Series.Count)
	}
	if at.IsZero() {
		at = e.DeprecatedLastTimestamp.Time
	}
	if at.IsZero() {
		at = e.CreationTimestamp.Time
	}
	if e.DeprecatedCount > int32(count) {
		count = int(e.DeprecatedCount)
	}
	return sdk.Event{Time: at, Type: e.Type, Reason: e.Reason, Object: e.Regarding.Kind + "/" + e.Regarding.Name, Message: e.Note, Count: count}
}

// Events sends the events of the release's objects only, then with Follow watches for more.
func (p *Plugin) Events(ctx context.Context, req sdk.EventsRequest, send func(sdk.Event) error) error {
	f, client, err := p.findAsCaller(ctx, req.ReleaseRef)
	if err != nil {
		return err
	}
	filter := newEventFilter(f.d.sum)
	if !req.Follow && f.inf.events != nil && f.sp.c.s.Access.AuthenticationMode != ModeImpersonate {
		return cachedEvents(f, filter, send)
	}
	events := client.EventsV1().Events(f.ns)
	list, err := events.List(ctx, metav1.ListOptions{})
	if err != nil {
		return kubeError("listing the events of "+req.Name, err)
	}
	kept := list.Items[:0]
	for _, e := range list.Items {
		if filter.keeps(e.Regarding.Kind, e.Regarding.Name) {
			kept = append(kept, e)
		}
	}
	slices.SortStableFunc(kept, func(a, b eventsv1.Event) int { return eventOf(&a).Time.Compare(eventOf(&b).Time) })
	for i := range kept {
		if err := send(eventOf(&kept[i])); err != nil {
			return err
		}
	}
	if !req.Follow {
		return nil
	}
	rv := list.ResourceVersion
	for ctx.Err() == nil {
		if rv == "" { // the watch expired: resume from now
			now, err := events.List(ctx, metav1.ListOptions{Limit: 1})
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return kubeError("watching the events of "+req.Name, err)
			}
			rv = now.ResourceVersion
		}
		w, err := events.Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return kubeError("watching the events of "+req.Name, err)
		}
		rv, err = p.forwardEvents(ctx, w, rv, filter, send)
		w.Stop()
		if err != nil {
			return err
		}
	}
	return nil
}

// cachedEvents sends the release's events from the cluster-wide cache, in time order: what a
// list of the namespace's would send, as the plugin's own identity reads it. A caller
// impersonated reads events with their own rights, so never from the cache.
func cachedEvents(f *found, filter eventFilter, send func(sdk.Event) error) error {
	objs, err := f.inf.events.GetIndexer().ByIndex(cache.NamespaceIndex, f.ns)
	if err != nil {
		return kubeError("reading the events of "+f.d.name, err)
	}
	var kept []*eventsv1.Event
	for _, o := range objs {
		if e, ok := o.(*eventsv1.Event); ok && filter.keeps(e.Regarding.Kind, e.Regarding.Name) {
			kept = append(kept, e)
		}
	}
	slices.SortFunc(kept, func(a, b *eventsv1.Event) int {
		if c := eventOf(a).Time.Compare(eventOf(b).Time); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, e := range kept {
		if err := send(eventOf(e)); err != nil {
			return err
		}
	}
	return nil
}

// slimEvent keeps of an event what eventOf and the filter read.
func slimEvent(obj any) (any, error) {
	e, ok := obj.(*eventsv1.Event)
	if !ok {
		return obj, nil
	}
	return &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: e.Name, Namespace: e.Namespace, ResourceVersion: e.ResourceVersion, CreationTimestamp: e.CreationTimestamp},
		EventTime:  e.EventTime, Series: e.Series, DeprecatedLastTimestamp: e.DeprecatedLastTimestamp, DeprecatedCount: e.DeprecatedCount,
		Type: e.Type, Reason: e.Reason, Note: e.Note,
		Regarding: corev1.ObjectReference{Kind: e.Regarding.Kind, Name: e.Regarding.Name},
	}, nil
}

// forwardEvents sends what a watch reports until it ends, and returns where to resume.
func (p *Plugin) forwardEvents(ctx context.Context, w watch.Interface, rv string, filter eventFilter, send func(sdk.Event) error) (string, error) {
	for {
		select {
		case <-ctx.Done():
			return rv, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return rv, nil
			}
			switch ev.Type {
			case watch.Error:
				return "", nil
			case watch.Added, watch.Modified:
			default:
				if e, ok := ev.Object.(*eventsv1.Event); ok {
					rv = e.ResourceVersion
				}
				continue
			}
			e, ok := ev.Object.(*eventsv1.Event)
			if !ok {
				continue
			}
			rv = e.ResourceVersion
			if filter.keeps(e.Regarding.Kind, e.Regarding.Name) {
				if err := send(eventOf(e)); err != nil {
					return rv, err
				}
			}
		}
	}
}

// Quota returns the project's quotas, limits and usage; with several, the lowest limit of
// each resource.
func (p *Plugin) Quota(ctx context.Context, req sdk.QuotaRequest) (sdk.QuotaResponse, error) {
	s, c, err := p.configured()
	if err != nil {
		return sdk.QuotaResponse{}, err
	}
	ns, err := s.namespaceOf(req.Caller, req.Project)
	if err != nil {
		return sdk.QuotaResponse{}, err
	}
	if err := c.mayRead(ctx, req.Caller, ns); err != nil {
		return sdk.QuotaResponse{}, err
	}
	resp, _, err := c.quotaIn(ctx, ns, true)
	return resp, err
}

var _ io.Closer = (*Plugin)(nil)
