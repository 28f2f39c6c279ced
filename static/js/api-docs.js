// Starts Swagger UI on the API page (a file, not an inline script: strict CSP).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    deepLinking: true,
    // Read-only public API: "Try it out" issues GETs to this same origin.
    supportedSubmitMethods: ["get"],
    validatorUrl: null,
  });
})();
