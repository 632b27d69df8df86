// The browsable API page: Swagger UI (vendored, a classic script that defines SwaggerUIBundle) over /openapi.json.
// "Try it out" requests carry this page's CSRF token, as the editor's do.
const mount = document.getElementById('swagger-ui');
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

window.SwaggerUIBundle({
  url: mount.dataset.specUrl,
  domNode: mount,
  deepLinking: true,
  requestInterceptor: (request) => {
    request.headers['X-CSRFToken'] = csrfToken;
    return request;
  },
});
