import { z } from 'zod';
import { renderJobSchema, functionJobSchema } from '../model/render-request.ts';
import { retryBodySchema, priorityBodySchema } from './retry.ts';
import { MAX_PRIORITY, MIN_PRIORITY } from '../model/priority.ts';
import { OUTPUT_FORMATS } from '../model/render-options.ts';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const error = { description: 'What is wrong', content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'string' } } } } } };
const jobId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/** The OpenAPI description of the HTTP API, request bodies generated from the zod schemas it checks. */
export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'NetworkNodes', version, description: 'A render farm for Manim. Every route but /health, /cluster/proof and /hooks/git/{name} needs `Authorization: Bearer <cluster token>`.' },
    components: { securitySchemes: { clusterToken: { type: 'http', scheme: 'bearer' } } },
    security: [{ clusterToken: [] }],
    paths: {
      '/health': { get: { summary: 'Liveness of this node', security: [], responses: { 200: { description: 'ok' } } } },
      '/jobs': {
        post: {
          summary: 'Submit a render job (or a job for another registered function)',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: [json(renderJobSchema), json(functionJobSchema)] } },
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  properties: {
                    file: { type: 'array', items: { type: 'string', format: 'binary' }, description: 'source files; each filename is its path in the project' },
                    archive: { type: 'string', format: 'binary', description: 'a .tar or .tar.gz of the project' },
                    entry: { type: 'string' },
                    scenes: { type: 'string', description: 'comma-separated scene names; none = every scene' },
                    quality: { type: 'string', enum: ['l', 'm', 'h', 'p', 'k'] },
                    format: { type: 'string', enum: [...OUTPUT_FORMATS], description: 'png: the last frame only; png-sequence: every frame (as in manim 0.22)' },
                    plays: { type: 'string', description: "manim's -n: A,B renders plays A..B; A: from A to the end" },
                    fps: { type: 'number' },
                    resolution: { type: 'string', description: 'W,H' },
                    transparent: { type: 'boolean' },
                    seed: { type: 'integer' },
                    save_sections: { type: 'boolean' },
                    priority: { type: 'integer', minimum: MIN_PRIORITY, maximum: MAX_PRIORITY, description: 'queue order against other jobs, lowest first (default 0)' },
                    project: { type: 'string', description: 'which project the files are a version of: an edited scene is cut from the plan of the same project’s earlier render' },
                    options: { type: 'string', description: 'render options as JSON' },
                  },
                },
              },
            },
          },
          responses: { 201: { description: 'Created: { id, url }' }, 400: error, 401: error, 413: error, 415: error },
        },
        get: {
          summary: 'Recent jobs, newest first',
          parameters: [
            { name: 'trigger', in: 'query', schema: { type: 'string' }, description: 'only jobs this trigger made' },
            { name: 'commit', in: 'query', schema: { type: 'string' }, description: 'only jobs of this commit (or a commit starting with these digits)' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
          ],
          responses: { 200: { description: '{ jobs: [...] }' }, 400: error },
        },
      },
      '/jobs/{id}': { get: { summary: 'State, priority, per-scene and per-segment progress, timings, nodes, errors; retryOf (the job it retries) and retriedBy (its retries)', parameters: [jobId], responses: { 200: { description: 'the job' }, 404: error } } },
      '/jobs/{id}/events': { get: { summary: "Server-Sent Events of the job, in order; honours Last-Event-ID", parameters: [jobId], responses: { 200: { description: 'text/event-stream' }, 400: error, 404: error } } },
      '/jobs/{id}/output/{scene}': {
        get: {
          summary: "A scene's output: the video (one HTTP Range per request) or a tar of its PNG frames",
          parameters: [jobId, { name: 'scene', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'the file' }, 206: { description: 'a byte range' }, 400: error, 404: error, 409: error, 416: error },
        },
      },
      '/jobs/{id}/output/{scene}/{file}': {
        get: {
          summary: "One file of a scene's output: a PNG frame, a section video or the sections index",
          parameters: [jobId, { name: 'scene', in: 'path', required: true, schema: { type: 'string' } }, { name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'the file' }, 206: { description: 'a byte range' }, 404: error, 409: error },
        },
      },
      '/jobs/{id}/outputs': { get: { summary: "The job's outputs: name, size, scene", parameters: [jobId], responses: { 200: { description: '{ outputs: [...] }' } } } },
      '/jobs/{id}/posters': { get: { summary: "Poster frames of the job's finished segments", parameters: [jobId], responses: { 200: { description: '{ posters: [{ id, sceneId, segment, url }] }' } } } },
      '/jobs/{id}/posters/{artifact}': {
        get: { summary: 'One poster frame (WebP)', parameters: [jobId, { name: 'artifact', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }], responses: { 200: { description: 'image/webp' }, 404: error } },
      },
      '/jobs/{id}/cancel': { post: { summary: 'Cancel a job', parameters: [jobId], responses: { 200: { description: 'cancelled' }, 404: error, 409: error } } },
      '/hooks/git/{name}': {
        post: {
          summary: "A forge's push event for a git trigger; authenticated by the trigger's secret, not the cluster token",
          description: 'GitHub: X-Hub-Signature-256; Gitea/Forgejo: X-Gitea-Signature (HMAC-SHA256 of the body); GitLab: X-Gitlab-Token (the secret).',
          security: [],
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 202: { description: 'queued (debounced per branch), or ignored with the reason' }, 400: error, 401: error, 404: error },
        },
      },
      '/triggers': {
        get: {
          summary: 'The configured triggers (no secrets) and their runs: rendered, unchanged, ignored or failed, and why',
          parameters: [{ name: 'trigger', in: 'query', schema: { type: 'string' } }, { name: 'limit', in: 'query', schema: { type: 'integer' } }],
          responses: { 200: { description: '{ triggers: [...], runs: [...] }' } },
        },
      },
      '/latest/{trigger}/{scene}': {
        get: {
          summary: "Redirects to the latest successful output of a trigger's scene",
          parameters: [{ name: 'trigger', in: 'path', required: true, schema: { type: 'string' } }, { name: 'scene', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 302: { description: 'to /jobs/{id}/output/{scene}' }, 404: error },
        },
      },
      '/latest/{trigger}/{scene}/{file}': {
        get: {
          summary: "Redirects to one file of the latest successful output of a trigger's scene (a section video, a PNG frame)",
          parameters: [
            { name: 'trigger', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'scene', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'file', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: { 302: { description: 'to /jobs/{id}/output/{scene}/{file}' }, 404: error },
        },
      },
      '/jobs/{id}/retry': {
        post: {
          summary: 'Retry a failed or cancelled render job as a new job (retryOf in its detail): its failed scenes (default) or all',
          parameters: [jobId],
          requestBody: { required: false, content: { 'application/json': { schema: json(retryBodySchema) } } },
          responses: { 201: { description: 'the new job: { id, url, retryOf, scenes }' }, 400: error, 404: error, 409: { ...error, description: 'the job is queued, running or succeeded' } },
        },
      },
      '/jobs/{id}/priority': {
        post: {
          summary: "Change a queued or running job's priority (lowest first): its queued work moves in the queue",
          parameters: [jobId],
          requestBody: { required: true, content: { 'application/json': { schema: json(priorityBodySchema) } } },
          responses: { 200: { description: '{ id, priority, was }' }, 400: error, 404: error, 409: { ...error, description: 'the job has finished' } },
        },
      },
      '/cache': {
        get: { summary: "The farm's play cache: plays, bytes, scenes, maxBytes", responses: { 200: { description: '{ plays, bytes, scenes, maxBytes }' } } },
        delete: { summary: 'Empty the play cache: every play renders again', responses: { 200: { description: '{ deleted }' } } },
      },
      '/nodes': { get: { summary: 'Live nodes and what each is doing, and the wakeable ones asleep or waking: state, power (awake|asleep|waking, since, note), offWork (why it takes no work now: its schedule, its user active)', responses: { 200: { description: '{ nodes: [...] }' } } } },
      '/nodes/{ref}/{action}': {
        post: {
          summary: 'Drain a node (it finishes its work and takes no more), pause it, or resume it',
          parameters: [
            { name: 'ref', in: 'path', required: true, description: 'a live node by name, id or id prefix', schema: { type: 'string' } },
            { name: 'action', in: 'path', required: true, schema: { type: 'string', enum: ['drain', 'pause', 'resume'] } },
          ],
          responses: { 200: { description: '{ id, name, state }' }, 404: error, 409: error },
        },
      },
      '/cluster': { get: { summary: 'What a joining node needs: the cluster name, render stack, database URL and the certificate its database serves (coordinator only)', responses: { 200: { description: '{ name, version, stack, databaseUrl, databaseCertificate }' }, 404: error } } },
      '/cluster/proof': {
        post: {
          summary: 'The coordinator proves it holds the cluster token, before a node sends it: HMAC-SHA256(token, nonce and the served certificate fingerprint)',
          security: [],
          requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { nonce: { type: 'string', pattern: '^[0-9a-f]{64}$' } }, required: ['nonce'] } } } },
          responses: { 200: { description: '{ proof, fingerprint }' }, 400: error, 404: error },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
      '/': { get: { summary: 'The web page (the login form until the browser holds the login cookie); ?job=ID shows a job', security: [], responses: { 200: { description: 'text/html' } } } },
      '/login': { post: { summary: 'The login form (field token): sets the HttpOnly, SameSite=Strict login cookie and the CSRF cookie; a form from another origin is refused', security: [], responses: { 303: { description: 'to /' }, 401: { description: 'the login form again' }, 403: error } } },
      '/logout': { post: { summary: 'Forgets the login and CSRF cookies', responses: { 200: { description: '{ ok }' } } } },
      '/events': { get: { summary: "Server-Sent Events of the whole cluster, for the web page: `job` (every job's events; id: the event's global id, Last-Event-ID resumes), `nodes` (the nodes changed), `progress` (jobs whose running segments moved on)", responses: { 200: { description: 'text/event-stream' }, 400: error } } },
      '/ui/app.js': { get: { summary: "The web page's client module (TypeScript, bundled by esbuild when first asked for)", security: [], responses: { 200: { description: 'text/javascript' } } } },
      '/ui/style.css': { get: { summary: "The web page's style sheet", security: [], responses: { 200: { description: 'text/css' } } } },
      '/ui/parts': { get: { summary: "The web page's regions as HTML (want=kpis,nodes,jobs,job; job=ID), swapped in when an event says they changed", responses: { 200: { description: '{ kpis?, nodes?, jobs?, job? }' }, 400: error } } },
      '/functions/{name}': {
        post: {
          summary: 'Call a function registered on this node directly',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'the function result' }, 400: error, 404: error, 413: error },
        },
      },
    },
  };
}
