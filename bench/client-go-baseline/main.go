// rtmp-baseline-controller: a plain client-go controller doing the essential work of the
// operator's cold-start path for RtmpPushTasks, as the comparison point of issue 11 ("a plain
// client-go controller: informer + rate-limited queue"). Not a product: no leader election, no
// callbacks, no Events, no metrics. Built by scripts/build-client-go-baseline.sh inside Debian's
// Kubernetes 1.20 source tree (GOPATH mode, the tree's vendor/), so it uses client-go 1.20.
//
// Per task (reconcile(key)):
//  1. finalizer rtmp.jocloud.com/stop-push missing: one merge patch adding it (write 1);
//  2. no Synced=True condition for the current generation: startrtmp at the vendor (or its
//     emulator) exactly as the operator sends it on the wire, then one merge patch to /status with
//     Synced=True and observedGeneration (write 2);
//  3. already Synced for this generation: nothing (so a restart makes no vendor call).
//
// --record=minimal (the default) writes only the finalizer and one Synced condition: the issue's
// "plain" controller. --record=operator writes what the operator records in the same two writes
// (the same API calls, a bigger object): the start-intent annotation with the finalizer before
// the start, and after it the operator's status (active identity, request hash, settled intent,
// trace id, last answer, Synced, Streaming and Ready). It isolates what that record costs the API
// server from what the operator's implementation costs.
//
// Deletion: stoprtmp (2102 "nothing running" counts as stopped), then the finalizer comes off.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
)

// The operator's names (src/api/v1alpha1/constants.ts, src/jocloud/endpoint.ts).
const (
	finalizer         = "rtmp.jocloud.com/stop-push"
	defaultPathPrefix = "v2/rtmpforward"
	// 2102: stoprtmp found nothing running, as good as stopped (src/jocloud/client.ts).
	codeNotRunning = 2102
)

var taskGVR = schema.GroupVersionResource{Group: "rtmp.jocloud.com", Version: "v1alpha1", Resource: "rtmppushtasks"}

type controller struct {
	namespace     string
	defaultAppid  string
	defaultSecret string
	vendorURL     string
	pathPrefix    string

	tasks   dynamic.ResourceInterface
	lister  cache.GenericLister
	secrets corelisters.SecretLister
	queue   workqueue.RateLimitingInterface
	http    *http.Client
	host    string
	traceN  uint64

	// recordOperator: write the operator's record (--record=operator) instead of the minimal one.
	recordOperator bool
	intentN        uint64

	reconciles, vendorCalls, writes, failures, inFlight int64

	// ownWrites: per key, the object the last write of the minimal record returned and the
	// resourceVersions its writes replaced (see freshest).
	ownMu     sync.Mutex
	ownWrites map[string]*ownWrite
}

type ownWrite struct {
	replaced map[string]bool
	latest   *unstructured.Unstructured
}

// freshest is the task to reconcile: the cache's copy, unless that still shows a version one of
// our own writes replaced (the watch event of the status write has not arrived yet); then the
// object that write returned. Without it a requeue racing that event found no Synced condition
// and started the task a second time (2-7 of 2,000 tasks). The operator's own-write tracker does
// the same. Only the minimal record's writes are recorded: --record=operator needs none, its
// intent write is guarded by resourceVersion.
func (c *controller) freshest(key string, cached *unstructured.Unstructured) *unstructured.Unstructured {
	c.ownMu.Lock()
	defer c.ownMu.Unlock()
	own := c.ownWrites[key]
	if own == nil {
		return cached
	}
	if own.replaced[cached.GetResourceVersion()] {
		return own.latest
	}
	delete(c.ownWrites, key) // the cache has caught up (or moved past our write)
	return cached
}

// wrote records that a write made from `from` returned `to`.
func (c *controller) wrote(key string, from, to *unstructured.Unstructured) {
	c.ownMu.Lock()
	defer c.ownMu.Unlock()
	own := c.ownWrites[key]
	if own == nil {
		own = &ownWrite{replaced: map[string]bool{}}
		c.ownWrites[key] = own
	}
	own.replaced[from.GetResourceVersion()] = true
	own.latest = to
}

func main() {
	var (
		kubeconfig    = flag.String("kubeconfig", "", "kubeconfig file (default: in-cluster config)")
		namespace     = flag.String("namespace", "default", "the one namespace whose RtmpPushTasks (and Secrets) are watched")
		vendorURL     = flag.String("vendor-url", "", "vendor base URL, e.g. the emulator's http://127.0.0.1:PORT (required)")
		pathPrefix    = flag.String("path-prefix", defaultPathPrefix, "path segment(s) between /app/{appid}/ and startrtmp")
		defaultAppid  = flag.String("default-appid", "", "appid of tasks whose spec names none")
		defaultSecret = flag.String("default-credentials-secret", "jocloud-credentials", "Secret (restfulId, restfulSecret) of tasks that name none; NAME or NAMESPACE/NAME, in --namespace")
		workers       = flag.Int("workers", 8, "concurrent reconciles")
		qps           = flag.Float64("qps", 1000, "client-side rate limit of the Kubernetes client (rest.Config.QPS)")
		burst         = flag.Int("burst", 2000, "burst of that rate limit (rest.Config.Burst)")
		record        = flag.String("record", "minimal", "what the two writes record: minimal (finalizer; one Synced condition) or operator (the operator's start intent and status)")
	)
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("rtmp-baseline ")
	if *vendorURL == "" {
		log.Fatal("--vendor-url is required")
	}
	if *record != "minimal" && *record != "operator" {
		log.Fatalf("--record %q: minimal or operator", *record)
	}
	secretName := *defaultSecret
	if i := strings.LastIndex(secretName, "/"); i >= 0 {
		if secretName[:i] != *namespace {
			log.Fatalf("--default-credentials-secret %s: only Secrets in --namespace %s are watched", secretName, *namespace)
		}
		secretName = secretName[i+1:]
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	cfg.QPS = float32(*qps)
	cfg.Burst = *burst
	dyn := dynamic.NewForConfigOrDie(cfg)
	core := kubernetes.NewForConfigOrDie(cfg)

	taskInformers := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dyn, 0, *namespace, nil)
	taskInformer := taskInformers.ForResource(taskGVR)
	secretInformers := informers.NewSharedInformerFactoryWithOptions(core, 0, informers.WithNamespace(*namespace))
	secretInformer := secretInformers.Core().V1().Secrets()

	host, _ := os.Hostname()
	c := &controller{
		namespace:     *namespace,
		defaultAppid:  *defaultAppid,
		defaultSecret: secretName,
		vendorURL:     strings.TrimRight(*vendorURL, "/"),
		pathPrefix:    strings.Trim(*pathPrefix, "/"),
		tasks:         dyn.Resource(taskGVR).Namespace(*namespace),
		lister:        taskInformer.Lister(),
		secrets:       secretInformer.Lister(),
		queue:         workqueue.NewNamedRateLimitingQueue(workqueue.DefaultControllerRateLimiter(), "rtmppushtasks"),
		http: &http.Client{
			Timeout:   15 * time.Second,
			Transport: &http.Transport{MaxIdleConns: 4 * *workers, MaxIdleConnsPerHost: 2 * *workers, IdleConnTimeout: 30 * time.Second},
		},
		host:           sanitizeHost(host),
		recordOperator: *record == "operator",
		ownWrites:      map[string]*ownWrite{},
	}
	enqueue := func(obj interface{}) {
		key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
		if err != nil {
			utilruntime.HandleError(err)
			return
		}
		c.queue.Add(key)
	}
	taskInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj interface{}) { enqueue(obj) },
		DeleteFunc: enqueue,
	})

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	started := time.Now()
	log.Printf("starting: namespace %s, %d workers, QPS %g, burst %d, vendor %s, record %s", *namespace, *workers, cfg.QPS, cfg.Burst, c.vendorURL, *record)
	taskInformers.Start(ctx.Done())
	secretInformers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), taskInformer.Informer().HasSynced, secretInformer.Informer().HasSynced) {
		log.Fatal("caches did not sync")
	}
	log.Printf("caches synced after %.2f s: %d tasks", time.Since(started).Seconds(), len(taskInformer.Informer().GetStore().ListKeys()))

	for i := 0; i < *workers; i++ {
		go wait.UntilWithContext(ctx, c.runWorker, time.Second)
	}
	go c.reportIdle(ctx, started)
	<-ctx.Done()
	c.queue.ShutDown()
	log.Printf("stopping: %s", c.counts())
}

func (c *controller) runWorker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *controller) processNext(ctx context.Context) bool {
	item, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	atomic.AddInt64(&c.inFlight, 1)
	defer atomic.AddInt64(&c.inFlight, -1)
	defer c.queue.Done(item)
	key := item.(string)
	atomic.AddInt64(&c.reconciles, 1)
	if err := c.reconcile(ctx, key); err != nil {
		atomic.AddInt64(&c.failures, 1)
		if c.queue.NumRequeues(key) < 3 || c.queue.NumRequeues(key)%20 == 0 {
			log.Printf("reconcile %s (retry %d): %v", key, c.queue.NumRequeues(key), err)
		}
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

// reportIdle logs one line each time the queue drains after work: the harness reads it to know a
// restarted controller has looked at every task.
func (c *controller) reportIdle(ctx context.Context, started time.Time) {
	reported := int64(0)
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		n := atomic.LoadInt64(&c.reconciles)
		if n != reported && c.queue.Len() == 0 && atomic.LoadInt64(&c.inFlight) == 0 {
			reported = n
			log.Printf("idle after %.2f s: %s", time.Since(started).Seconds(), c.counts())
		}
	}
}

func (c *controller) counts() string {
	return fmt.Sprintf("reconciles=%d vendorCalls=%d writes=%d failures=%d",
		atomic.LoadInt64(&c.reconciles), atomic.LoadInt64(&c.vendorCalls), atomic.LoadInt64(&c.writes), atomic.LoadInt64(&c.failures))
}

func (c *controller) reconcile(ctx context.Context, key string) error {
	_, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	obj, err := c.lister.ByNamespace(c.namespace).Get(name)
	if apierrors.IsNotFound(err) {
		c.ownMu.Lock()
		delete(c.ownWrites, key)
		c.ownMu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	task := c.freshest(key, obj.(*unstructured.Unstructured))

	if task.GetDeletionTimestamp() != nil {
		if !hasFinalizer(task) {
			return nil
		}
		req, creds, _, err := c.vendorRequest(task)
		if err != nil {
			return err
		}
		req.Rtmpurl, req.Mixconfig = "", nil
		if _, err := c.callVendor(ctx, "stoprtmp", req, creds, codeNotRunning); err != nil {
			return err
		}
		_, err = c.patch(ctx, name, mergePatch(map[string]interface{}{
			"metadata": map[string]interface{}{"finalizers": without(task.GetFinalizers(), finalizer), "resourceVersion": task.GetResourceVersion()},
		}))
		return err
	}

	generation := task.GetGeneration()
	if c.recordOperator {
		return c.reconcileRecordingIntent(ctx, name, task, generation)
	}
	if !hasFinalizer(task) {
		patch := mergePatch(map[string]interface{}{
			"metadata": map[string]interface{}{"finalizers": append(task.GetFinalizers(), finalizer), "resourceVersion": task.GetResourceVersion()},
		})
		patched, err := c.patch(ctx, name, patch)
		if err != nil {
			return fmt.Errorf("adding the finalizer: %w", err)
		}
		c.wrote(key, task, patched)
		task = patched
	}

	if syncedFor(task, generation) {
		return nil
	}
	req, creds, _, err := c.vendorRequest(task)
	if err != nil {
		return err
	}
	if _, err := c.callVendor(ctx, "startrtmp", req, creds, -1); err != nil {
		return err
	}
	now := metav1.Now().UTC().Format(time.RFC3339)
	synced, err := c.patch(ctx, name, mergePatch(map[string]interface{}{
		"status": map[string]interface{}{
			"observedGeneration": generation,
			"conditions": []interface{}{map[string]interface{}{
				"type": "Synced", "status": "True", "reason": "Started", "message": "the vendor accepted startrtmp",
				"lastTransitionTime": now, "observedGeneration": generation,
			}},
		},
	}), "status")
	if err != nil {
		return err
	}
	c.wrote(key, task, synced)
	return nil
}

// reconcileRecordingIntent is the start path of --record=operator: the start intent (and the
// finalizer) in one metadata write, startrtmp, then one status write with what the operator
// records after a start. The contents follow src/api/v1alpha1/intent.ts and status.ts.
func (c *controller) reconcileRecordingIntent(ctx context.Context, name string, task *unstructured.Unstructured, generation int64) error {
	if syncedFor(task, generation) {
		return nil
	}
	req, creds, secretName, err := c.vendorRequest(task)
	if err != nil {
		return err
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hash := sha256.Sum256(payload)
	requestHash := hex.EncodeToString(hash[:])
	intentID := fmt.Sprintf("%s-%012x", strconv.FormatInt(time.Now().UnixNano()/1e6, 36), atomic.AddUint64(&c.intentN, 1))
	secretRef := map[string]interface{}{"namespace": task.GetNamespace(), "name": secretName}
	intent, err := json.Marshal(map[string]interface{}{
		"id": intentID, "appid": string(req.Appid), "roomid": req.Roomid, "streamtype": req.Streamtype, "taskid": req.Taskid,
		"credentialsSecretRef": secretRef, "requestHash": requestHash,
	})
	if err != nil {
		return err
	}
	finalizers := task.GetFinalizers()
	if !hasFinalizer(task) {
		finalizers = append(finalizers, finalizer)
	}
	if _, err := c.patch(ctx, name, mergePatch(map[string]interface{}{
		"metadata": map[string]interface{}{
			"finalizers": finalizers, "resourceVersion": task.GetResourceVersion(),
			"annotations": map[string]interface{}{"rtmp.jocloud.com/start-intent": string(intent)},
		},
	})); err != nil {
		return fmt.Errorf("recording the start intent: %w", err)
	}
	answer, err := c.callVendor(ctx, "startrtmp", req, creds, -1)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	addresses := len(strings.Split(req.Rtmpurl, ","))
	waiting := fmt.Sprintf("%d of %d addresses have not reported yet", addresses, addresses)
	condition := func(kind, status, reason, message string) map[string]interface{} {
		return map[string]interface{}{
			"type": kind, "status": status, "reason": reason, "message": message,
			"lastTransitionTime": now.Format(time.RFC3339), "observedGeneration": generation,
		}
	}
	_, err = c.patch(ctx, name, mergePatch(map[string]interface{}{
		"status": map[string]interface{}{
			"observedGeneration": generation,
			"taskid":             req.Taskid,
			"active":             map[string]interface{}{"appid": string(req.Appid), "roomid": req.Roomid, "streamtype": req.Streamtype, "taskid": req.Taskid, "credentialsSecretRef": secretRef},
			"settledIntent":      intentID,
			"requestHash":        requestHash,
			"lastStartTime":      now.Format("2006-01-02T15:04:05.000Z"),
			"lastTraceId":        answer.traceID,
			"lastResponse":       map[string]interface{}{"code": answer.code, "message": answer.message},
			"conditions": []interface{}{
				condition("Synced", "True", "Synced", fmt.Sprintf("the vendor accepted the current request (traceId %s)", answer.traceID)),
				condition("Streaming", "Unknown", "AwaitingCallback", waiting),
				condition("Ready", "Unknown", "AwaitingCallback", waiting),
			},
		},
	}), "status")
	return err
}

// patch is one merge patch of the task (or of a subresource), counted; it returns the object the
// API server answered with.
func (c *controller) patch(ctx context.Context, name string, data []byte, subresources ...string) (*unstructured.Unstructured, error) {
	atomic.AddInt64(&c.writes, 1)
	return c.tasks.Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{}, subresources...)
}

type credentials struct{ id, secret string }

// vendorBody is startrtmp's (and, without rtmpurl and mixconfig, stoprtmp's) body, members in the
// operator's order. mixconfig is the spec's, as the informer decoded it (its keys go out sorted).
type vendorBody struct {
	Appid      json.Number `json:"appid"`
	Roomid     string      `json:"roomid"`
	Rtmpurl    string      `json:"rtmpurl,omitempty"`
	Streamtype int64       `json:"streamtype"`
	Taskid     string      `json:"taskid,omitempty"`
	UID        string      `json:"uid,omitempty"`
	Mixconfig  interface{} `json:"mixconfig,omitempty"`
}

// vendorRequest builds the startrtmp body the operator sends (src/controller/desired-request.ts):
// appid as a bare uint64, roomid, the addresses comma-joined, streamtype, then taskid and mixconfig
// (mixed) or uid (source).
func (c *controller) vendorRequest(task *unstructured.Unstructured) (*vendorBody, credentials, string, error) {
	spec, _, _ := unstructured.NestedMap(task.Object, "spec")
	str := func(k string) string { s, _ := spec[k].(string); return s }
	appid := str("appid")
	if appid == "" {
		appid = c.defaultAppid
	}
	if _, err := strconv.ParseUint(appid, 10, 64); err != nil {
		return nil, credentials{}, "", fmt.Errorf("appid %q: not a uint64", appid)
	}
	urls, _, _ := unstructured.NestedStringSlice(spec, "rtmpurls")
	streamtype, _, _ := unstructured.NestedInt64(spec, "streamtype")
	req := &vendorBody{Appid: json.Number(appid), Roomid: str("roomid"), Rtmpurl: strings.Join(urls, ","), Streamtype: streamtype}
	if streamtype == 2 {
		req.UID = str("uid")
	} else {
		taskid := str("taskid")
		if taskid == "" {
			sum := sha256.Sum256([]byte(task.GetNamespace() + "/" + task.GetName()))
			taskid = "rpt-" + hex.EncodeToString(sum[:])[:20]
		}
		req.Taskid = taskid
		req.Mixconfig = spec["mixconfig"]
	}

	secretName, _, _ := unstructured.NestedString(spec, "credentialsSecretRef", "name")
	if secretName == "" {
		secretName = c.defaultSecret
	}
	secret, err := c.secrets.Secrets(task.GetNamespace()).Get(secretName)
	if err != nil {
		return nil, credentials{}, "", fmt.Errorf("credentials Secret %s: %w", secretName, err)
	}
	creds := credentials{id: string(secret.Data["restfulId"]), secret: string(secret.Data["restfulSecret"])}
	if creds.id == "" || creds.secret == "" {
		return nil, credentials{}, "", fmt.Errorf("credentials Secret %s: restfulId or restfulSecret missing", secretName)
	}
	return req, creds, secretName, nil
}

// vendorAnswer is what a successful call answered, and the traceId it was sent with.
type vendorAnswer struct {
	code    int
	message string
	traceID string
}

// callVendor POSTs to {vendor}/app/{appid}/{prefix}/{endpoint}?traceId=... with the `token`
// header (Basic base64(restfulId:restfulSecret)); success is code 0 (or alsoOK).
func (c *controller) callVendor(ctx context.Context, endpoint string, body *vendorBody, creds credentials, alsoOK int) (vendorAnswer, error) {
	atomic.AddInt64(&c.vendorCalls, 1)
	payload, err := json.Marshal(body)
	if err != nil {
		return vendorAnswer{}, err
	}
	traceID := fmt.Sprintf("%s-%s-%06d-%d", c.host, time.Now().UTC().Format("20060102150405.000"), atomic.AddUint64(&c.traceN, 1)%1000000, os.Getpid())
	traceID = strings.Replace(traceID, ".", "", 1)
	url := fmt.Sprintf("%s/app/%s/%s/%s?traceId=%s", c.vendorURL, body.Appid, c.pathPrefix, endpoint, traceID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return vendorAnswer{}, err
	}
	req.Header.Set("token", "Basic "+base64.StdEncoding.EncodeToString([]byte(creds.id+":"+creds.secret)))
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return vendorAnswer{}, fmt.Errorf("%s: %w", endpoint, err)
	}
	defer res.Body.Close()
	text, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return vendorAnswer{}, fmt.Errorf("%s: reading the answer: %w", endpoint, err)
	}
	var answer struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(text, &answer); err != nil || answer.Code == nil {
		return vendorAnswer{}, fmt.Errorf("%s: HTTP %d without a vendor answer", endpoint, res.StatusCode)
	}
	if *answer.Code != 0 && *answer.Code != alsoOK {
		return vendorAnswer{}, fmt.Errorf("%s: vendor answered %d: %s", endpoint, *answer.Code, answer.Message)
	}
	return vendorAnswer{code: *answer.Code, message: answer.Message, traceID: traceID}, nil
}

func syncedFor(task *unstructured.Unstructured, generation int64) bool {
	conditions, _, _ := unstructured.NestedSlice(task.Object, "status", "conditions")
	for _, raw := range conditions {
		cond, ok := raw.(map[string]interface{})
		if !ok || cond["type"] != "Synced" {
			continue
		}
		observed, _, _ := unstructured.NestedInt64(cond, "observedGeneration")
		return cond["status"] == "True" && observed == generation
	}
	return false
}

func hasFinalizer(task *unstructured.Unstructured) bool {
	for _, f := range task.GetFinalizers() {
		if f == finalizer {
			return true
		}
	}
	return false
}

func without(list []string, item string) []string {
	out := []string{}
	for _, s := range list {
		if s != item {
			out = append(out, s)
		}
	}
	return out
}

func mergePatch(v map[string]interface{}) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(errors.New("mergePatch: " + err.Error()))
	}
	return data
}

func sanitizeHost(host string) string {
	var b strings.Builder
	for _, r := range host {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if len(s) > 24 {
		s = s[:24]
	}
	if s == "" {
		return "host"
	}
	return s
}
