{{/* Chart name, overridable. */}}
{{- define "rtmp-push-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Prefix of every resource name. Truncated to 45 characters so that the longest suffix the chart
adds ("-callback-token") still fits the 63-character limit of label values and DNS names.
*/}}
{{- define "rtmp-push-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 45 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 45 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "rtmp-push-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "rtmp-push-operator.labels" -}}
helm.sh/chart: {{ include "rtmp-push-operator.chart" . }}
{{ include "rtmp-push-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rtmp-push-operator
{{- end }}

{{/* Labels that select the operator's pods; immutable once a Deployment exists. */}}
{{- define "rtmp-push-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rtmp-push-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "rtmp-push-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rtmp-push-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "rtmp-push-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Name of the default credentials Secret, or empty when none is configured. */}}
{{- define "rtmp-push-operator.credentialsSecretName" -}}
{{- if and .Values.credentials.create .Values.credentials.existingSecret }}
{{- fail "credentials: set either existingSecret or create: true, not both" }}
{{- end }}
{{- if .Values.credentials.create }}
{{- printf "%s-credentials" (include "rtmp-push-operator.fullname" .) }}
{{- else }}
{{- .Values.credentials.existingSecret }}
{{- end }}
{{- end }}

{{- define "rtmp-push-operator.callbackTokenSecretName" -}}
{{- default (printf "%s-callback-token" (include "rtmp-push-operator.fullname" .)) .Values.callback.token.existingSecret }}
{{- end }}

{{- define "rtmp-push-operator.callbackTokenSecretKey" -}}
{{- if .Values.callback.token.existingSecret }}
{{- .Values.callback.token.existingSecretKey }}
{{- else }}
{{- "token" }}
{{- end }}
{{- end }}

{{/*
The generated callback token: the one already in the cluster when there is one (lookup), so
upgrades keep the URL configured in the vendor console working; a new random one otherwise.
`helm template` and --dry-run cannot look up and always show a new one.
*/}}
{{- define "rtmp-push-operator.generatedCallbackToken" -}}
{{- /* Memoized in the values map that all templates share: the Secret and the Deployment's
checksum must see the same random value. */}}
{{- if not (hasKey .Values.callback.token "__generated") }}
{{- $token := randAlphaNum 40 }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "rtmp-push-operator.callbackTokenSecretName" .) }}
{{- if and $existing $existing.data (index $existing.data "token") }}
{{- $token = index $existing.data "token" | b64dec }}
{{- end }}
{{- $_ := set .Values.callback.token "__generated" $token }}
{{- end }}
{{- index .Values.callback.token "__generated" }}
{{- end }}

{{- define "rtmp-push-operator.leaderElectionId" -}}
{{- default (include "rtmp-push-operator.fullname" .) .Values.leaderElection.id }}
{{- end }}

{{/* Rules the operator needs wherever RtmpPushTasks live (cluster-wide or watchNamespace). */}}
{{- define "rtmp-push-operator.managerRules" -}}
- apiGroups: ["rtmp.jocloud.com"]
  resources: ["rtmppushtasks"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["rtmp.jocloud.com"]
  resources: ["rtmppushtasks/status"]
  verbs: ["get", "patch", "update"]
# The finalizer is added and removed through the main resource; this subresource rule matters on
# clusters with the OwnerReferencesPermissionEnforcement admission plugin.
- apiGroups: ["rtmp.jocloud.com"]
  resources: ["rtmppushtasks/finalizers"]
  verbs: ["update"]
# Credentials Secrets named by spec.credentialsSecretRef live in the task's namespace; they are
# watched (one by one) so that fixing a Secret re-queues the tasks that use it. patch only adds and
# removes the rtmp.jocloud.com/credentials-in-use finalizer while a push started with the Secret
# may run (deleting the namespace must not take away what stoprtmp needs); data is never written.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}
