// Karma configuration for the ngx-oidc library (`ng test ngx-oidc`): see scripts/karma.base.cjs.
module.exports = require('../../scripts/karma.base.cjs')('ngx-oidc');
