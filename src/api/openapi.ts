import { z } from 'zod';
import { renderJobSchema, functionJobSchema } from './job-request.ts';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const error = { description: 'What is wrong', content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'string' } } } } } };
const jobId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/** The OpenAPI description of the HTTP API, request bodies generated from the zod schemas it checks. */
export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'NetworkNodes', version, description: 'A render farm for Manim. Every route but /health needs `Authorization: Bearer <cluster token>`.' },
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
                    format: { type: 'string', enum: ['mp4', 'mov', 'webm', 'gif', 'png'] },
                    fps: { type: 'number' },
                    resolution: { type: 'string', description: 'W,H' },
                    transparent: { type: 'boolean' },
                    seed: { type: 'integer' },
                    save_sections: { type: 'boolean' },
                    options: { type: 'string', description: 'render options as JSON' },
                  },
                },
              },
            },
          },
          responses: { 201: { description: 'Created: { id, url }' }, 400: error, 401: error, 413: error, 415: error },
        },
        get: { summary: 'Recent jobs', responses: { 200: { description: '{ jobs: [...] }' } } },
      },
      '/jobs/{id}': { get: { summary: 'State, per-scene and per-segment progress, timings, nodes, errors', parameters: [jobId], responses: { 200: { description: 'the job' }, 404: error } } },
      '/jobs/{id}/events': { get: { summary: "Server-Sent Events of the job, in order; honours Last-Event-ID", parameters: [jobId], responses: { 200: { description: 'text/event-stream' } } } },
      '/jobs/{id}/output/{scene}': {
        get: {
          summary: "A scene's output: the video (HTTP Range supported) or a tar of its PNG frames",
          parameters: [jobId, { name: 'scene', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'the file' }, 206: { description: 'a byte range' }, 404: error, 409: error },
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
      '/nodes': { get: { summary: 'Live nodes and what each is doing', responses: { 200: { description: '{ nodes: [...] }' } } } },
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
      '/cluster': { get: { summary: 'What a joining node needs: the cluster name, render stack and database URL (coordinator only)', responses: { 200: { description: '{ name, version, stack, databaseUrl }' }, 404: error } } },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
      '/': { get: { summary: 'The dashboard page (it asks for the token)', security: [], responses: { 200: { description: 'text/html' } } } },
      '/functions/{name}': {
        post: {
          summary: 'Call a function registered on this node directly',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'the function result' }, 400: error, 404: error },
        },
      },
    },
  };
}
