export {
  BUILTIN_PREFIX,
  BUILTIN_TEMPLATES,
  builtinTemplate,
  builtinTemplateUsage,
  copyTemplate,
  parseBuiltinMethod,
  type BuiltinMethodParse,
  type BuiltinTemplateInfo,
  type BuiltinTemplateParameter,
} from './builtin-templates.js';
