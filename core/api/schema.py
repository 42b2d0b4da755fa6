"""OpenAPI post-processing: the error responses every operation can give, documented once.

The API answers errors the same way everywhere (core.api.exceptions, DRF, the account policy
middleware, the JSON 404/500 handlers under /api/): a JSON object, either `{"detail": "..."}`
or `{"<field>": ["..."]}`. drf-spectacular documents only what each view declares, so this
hook adds, where an operation can produce them and has not declared them itself:
400 (query parameters or a body to validate), 401 and 403 (signing in is required: no or
expired credentials; no permission, or the session policy blocks the request), 404 (a path
parameter names an object, or a page number is past the end).
"""

ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "错误说明：{“detail”: 说明} 或 {字段名: [说明, ...]}（中文）",
    "additionalProperties": True,
}
ERROR_DESCRIPTIONS = {
    "400": "请求有误：参数、筛选条件或字段不合规则（按字段列出中文说明）",
    "401": "未登录、令牌无效或会话已超时",
    "403": "没有此项权限，或账户须先处理（修改密码、绑定动态口令）",
    "404": "不存在、不在管辖范围内，或页码超出范围",
}


def _requires_sign_in(operation: dict) -> bool:
    security = operation.get("security")
    return bool(security) and {} not in security


def document_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    error_content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            locations = {p.get("in") for p in parameters}
            names = {p.get("name") for p in parameters if p.get("in") == "query"}
            codes = set()
            if "query" in locations or "requestBody" in operation:
                codes.add("400")
            if _requires_sign_in(operation):
                codes |= {"401", "403"}
            if "path" in locations or "page" in names:
                codes.add("404")
            responses = operation["responses"]
            for code in sorted(codes):
                if code not in responses:
                    responses[code] = {"description": ERROR_DESCRIPTIONS[code], "content": error_content}
    return result
