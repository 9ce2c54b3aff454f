// Starts Swagger UI on /docs (kept out of the page: the Content-Security-Policy allows no inline script).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
