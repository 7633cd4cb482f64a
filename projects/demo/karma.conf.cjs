// Karma configuration for the demo app (`ng test demo`): see scripts/karma.base.cjs.
module.exports = require('../../scripts/karma.base.cjs')('demo');
