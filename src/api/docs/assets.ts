/**
 * Swagger UI's script and stylesheet, as text, straight from the `swagger-ui-dist` package: the bundlers that build
 * the functions and the emulator's workerd module (esbuild) inline them here through the `text` import attribute.
 * Only `load.ts` imports this module, lazily, so the text is evaluated on the first `/docs` asset request and
 * never on any other route.
 *
 * @module
 */

import STYLE from 'swagger-ui-dist/swagger-ui.css' with { type: 'text' };
import SCRIPT from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'text' };

export { SCRIPT, STYLE };
