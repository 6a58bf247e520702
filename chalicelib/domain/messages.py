"""The codes of contract 2.3 and the Chinese and English messages department staff read for them.

Every message says what is wrong and how to fix it. Templates are filled with `str.format`; the
placeholders a template uses are the keyword arguments `issue()` needs (a missing one is a bug,
caught by the tests, which render every template). `column` is an id (`rd_expense`), `column_zh`
its Chinese name from the model, `value` the cell as sent (shortened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Code(StrEnum):
    # file errors: the whole file is rejected
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    UNDECODABLE_TEXT = "UNDECODABLE_TEXT"
    EMPTY_FILE = "EMPTY_FILE"
    MISSING_COLUMN = "MISSING_COLUMN"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    COLUMN_NOT_OWNED = "COLUMN_NOT_OWNED"
    DUPLICATE_COLUMN = "DUPLICATE_COLUMN"
    UNKNOWN_DEPARTMENT = "UNKNOWN_DEPARTMENT"
    # row errors: that row is rejected
    INVALID_CREDIT_CODE = "INVALID_CREDIT_CODE"
    CREDIT_CODE_CHECKSUM = "CREDIT_CODE_CHECKSUM"
    INVALID_PERIOD = "INVALID_PERIOD"
    INVALID_NUMBER = "INVALID_NUMBER"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_FLAG = "INVALID_FLAG"
    INVALID_DATE = "INVALID_DATE"
    INVALID_REGION = "INVALID_REGION"
    INVALID_INDUSTRY = "INVALID_INDUSTRY"
    DUPLICATE_ROW = "DUPLICATE_ROW"
    INVALID_ROW = "INVALID_ROW"
    OUTSIDE_ZONE_CITY = "OUTSIDE_ZONE_CITY"  # a zone's unit list (contract 15)
    # warnings: the row is kept
    ENTERPRISE_NOT_REGISTERED = "ENTERPRISE_NOT_REGISTERED"
    UNKNOWN_ZONE = "UNKNOWN_ZONE"  # the registry's zone column (contract 14, 19.1)
    # API problems (INVALID_CREDIT_CODE and CREDIT_CODE_CHECKSUM serve there too)
    MISSING_CREDENTIALS = "MISSING_CREDENTIALS"
    INVALID_API_KEY = "INVALID_API_KEY"
    FORBIDDEN = "FORBIDDEN"
    OUTSIDE_AREA = "OUTSIDE_AREA"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    INVALID_LIMIT = "INVALID_LIMIT"
    INVALID_TOKEN = "INVALID_TOKEN"
    INVALID_BODY = "INVALID_BODY"
    INVALID_FILENAME = "INVALID_FILENAME"
    ENTERPRISE_NOT_FOUND = "ENTERPRISE_NOT_FOUND"
    PERIOD_NOT_SCORED = "PERIOD_NOT_SCORED"
    BATCH_NOT_FOUND = "BATCH_NOT_FOUND"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    REPORT_NOT_READY = "REPORT_NOT_READY"
    SNAPSHOT_NOT_FOUND = "SNAPSHOT_NOT_FOUND"
    JOB_NOT_FOUND = "JOB_NOT_FOUND"
    MODEL_NOT_FOUND = "MODEL_NOT_FOUND"
    INVALID_MODEL = "INVALID_MODEL"
    MODEL_VERSION_EXISTS = "MODEL_VERSION_EXISTS"
    MODEL_ALREADY_ACTIVE = "MODEL_ALREADY_ACTIVE"
    MODEL_RETIRED = "MODEL_RETIRED"
    ACTIVATION_CONFLICT = "ACTIVATION_CONFLICT"
    NO_SCORES_FOR_PERIOD = "NO_SCORES_FOR_PERIOD"
    UNKNOWN_INDICATOR = "UNKNOWN_INDICATOR"
    INVALID_VALUE = "INVALID_VALUE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    INVALID_CRITERIA = "INVALID_CRITERIA"
    POLICY_NOT_FOUND = "POLICY_NOT_FOUND"
    POLICY_NOT_DRAFT = "POLICY_NOT_DRAFT"
    POLICY_NOT_PUBLISHED = "POLICY_NOT_PUBLISHED"
    POLICY_NOT_IN_FORCE = "POLICY_NOT_IN_FORCE"
    POLICY_CONFLICT = "POLICY_CONFLICT"
    INVALID_FIELD = "INVALID_FIELD"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ENTERPRISE_NOT_SCORED = "ENTERPRISE_NOT_SCORED"
    BODY_TOO_LARGE = "BODY_TOO_LARGE"
    SUPPORT_NOT_FOUND = "SUPPORT_NOT_FOUND"
    SUPPORT_CONFLICT = "SUPPORT_CONFLICT"
    CONSOLE_FILE_NOT_FOUND = "CONSOLE_FILE_NOT_FOUND"
    # objections (contract 16)
    NOT_OBJECTABLE = "NOT_OBJECTABLE"
    OBJECTION_OPEN = "OBJECTION_OPEN"
    OBJECTION_NOT_FOUND = "OBJECTION_NOT_FOUND"
    OBJECTION_CONFLICT = "OBJECTION_CONFLICT"
    ZONE_NOT_FOUND = "ZONE_NOT_FOUND"
    PROGRAM_NOT_FOUND = "PROGRAM_NOT_FOUND"
    # banks' products (contract 18)
    INVALID_TERMS = "INVALID_TERMS"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"


FILE_ERRORS = frozenset(
    {
        Code.FILE_TOO_LARGE,
        Code.UNSUPPORTED_FORMAT,
        Code.UNDECODABLE_TEXT,
        Code.EMPTY_FILE,
        Code.MISSING_COLUMN,
        Code.UNKNOWN_COLUMN,
        Code.COLUMN_NOT_OWNED,
        Code.DUPLICATE_COLUMN,
        Code.UNKNOWN_DEPARTMENT,
    }
)
WARNINGS = frozenset({Code.ENTERPRISE_NOT_REGISTERED, Code.UNKNOWN_ZONE})
ROW_ERRORS = frozenset(
    {
        Code.INVALID_CREDIT_CODE,
        Code.CREDIT_CODE_CHECKSUM,
        Code.INVALID_PERIOD,
        Code.INVALID_NUMBER,
        Code.OUT_OF_RANGE,
        Code.INVALID_FLAG,
        Code.INVALID_DATE,
        Code.INVALID_REGION,
        Code.INVALID_INDUSTRY,
        Code.DUPLICATE_ROW,
        Code.INVALID_ROW,
        Code.OUTSIDE_ZONE_CITY,
    }
)

# API problems: code -> (HTTP status, English title, Chinese title)
PROBLEMS: dict[Code, tuple[int, str, str]] = {
    Code.MISSING_CREDENTIALS: (401, "Missing credentials", "缺少 API 密钥"),
    Code.INVALID_API_KEY: (401, "Unknown or revoked API key", "API 密钥无效或已吊销"),
    Code.FORBIDDEN: (403, "Not allowed for this role", "当前角色无权访问"),
    Code.OUTSIDE_AREA: (403, "Outside the caller's area", "超出当前账号的管辖范围"),
    Code.INVALID_PARAMETER: (400, "Invalid parameter", "参数无效"),
    Code.INVALID_PERIOD: (400, "Invalid period", "年度无效"),
    Code.INVALID_LIMIT: (400, "Invalid limit", "limit 取值无效（1–500）"),
    Code.INVALID_TOKEN: (400, "Invalid page token", "分页令牌无效"),
    Code.INVALID_CREDIT_CODE: (400, "Invalid credit code", "统一社会信用代码格式错误"),
    Code.CREDIT_CODE_CHECKSUM: (400, "Credit code check character mismatch", "统一社会信用代码校验位错误"),
    Code.INVALID_BODY: (400, "Invalid request body", "请求体无效"),
    Code.INVALID_FILENAME: (400, "Invalid file name", "文件名无效"),
    Code.ENTERPRISE_NOT_FOUND: (404, "Enterprise not found", "未找到该企业的积分"),
    Code.PERIOD_NOT_SCORED: (404, "No score for this period", "该企业在该年度没有积分"),
    Code.BATCH_NOT_FOUND: (404, "Batch not found", "未找到该批次"),
    Code.INTERNAL_ERROR: (500, "Internal error", "服务内部错误"),
    Code.REPORT_NOT_READY: (404, "No report for this period yet", "该年度的通报尚未生成"),
    Code.SNAPSHOT_NOT_FOUND: (404, "Report snapshot not found", "未找到该通报快照"),
    Code.JOB_NOT_FOUND: (404, "Job not found", "未找到该任务"),
    Code.MODEL_NOT_FOUND: (404, "Model version not found", "未找到该评分模型版本"),
    Code.INVALID_MODEL: (400, "Invalid model", "评分模型无效"),
    Code.MODEL_VERSION_EXISTS: (409, "Model version already exists", "该评分模型版本已存在"),
    Code.MODEL_ALREADY_ACTIVE: (409, "Model version already active", "该评分模型版本已在使用中"),
    Code.MODEL_RETIRED: (409, "Model version retired", "该评分模型版本已停用"),
    Code.ACTIVATION_CONFLICT: (409, "Another activation won", "另一次模型启用操作已先完成"),
    Code.NO_SCORES_FOR_PERIOD: (404, "No scores for this period", "该年度没有任何企业积分"),
    Code.UNKNOWN_INDICATOR: (400, "Unknown indicator", "未知指标"),
    Code.INVALID_VALUE: (400, "Invalid value", "指标取值无效"),
    Code.UNSUPPORTED_MEDIA_TYPE: (415, "Unsupported media type", "不支持的内容类型"),
    Code.INVALID_CRITERIA: (400, "Invalid policy criteria", "政策匹配条件无效"),
    Code.POLICY_NOT_FOUND: (404, "Policy not found", "未找到该政策"),
    Code.POLICY_NOT_DRAFT: (409, "Policy is not a draft", "政策不是草稿"),
    Code.POLICY_NOT_PUBLISHED: (409, "Policy is not published", "政策未发布"),
    Code.POLICY_NOT_IN_FORCE: (409, "Policy is outside its validity", "政策不在有效期内"),
    Code.POLICY_CONFLICT: (409, "Policy changed concurrently", "政策正被同时修改"),
    Code.INVALID_FIELD: (400, "Invalid field", "字段无效"),
    Code.INVALID_TRANSITION: (409, "Status move not allowed", "状态变更不符合流转规则"),
    Code.ENTERPRISE_NOT_SCORED: (409, "Enterprise not scored", "该企业没有可依据的积分"),
    Code.BODY_TOO_LARGE: (413, "Request body too large", "请求体过大"),
    Code.SUPPORT_NOT_FOUND: (404, "Support record not found", "未找到该支持记录"),
    Code.SUPPORT_CONFLICT: (409, "Support record changed concurrently", "支持记录被并发修改，请重试"),
    Code.CONSOLE_FILE_NOT_FOUND: (404, "No such console file", "控制台文件不存在"),
    Code.NOT_OBJECTABLE: (
        400,
        "A derived value: object to its inputs",
        "该指标由其他指标计算得出，请对其输入指标提出异议",
    ),
    Code.OBJECTION_OPEN: (409, "An objection on this value is open", "该数据已有未办结的异议"),
    Code.OBJECTION_NOT_FOUND: (404, "Objection not found", "未找到该异议"),
    Code.OBJECTION_CONFLICT: (409, "The objection changed concurrently", "异议被并发修改，请重试"),
    Code.ZONE_NOT_FOUND: (404, "Zone not found", "未找到该开发区"),
    Code.PROGRAM_NOT_FOUND: (404, "Cultivation program not found", "未找到该培育计划"),
    Code.INVALID_TERMS: (400, "Invalid product terms", "产品条件无效"),
    Code.UNKNOWN_PRODUCT: (400, "Unknown product", "未找到本机构的该产品"),
}

MAX_VALUE_CHARS = 100  # a report quotes at most this much of a cell

_FORMATS = "UTF-8 或 GB18030/GBK 编码的 CSV（.csv）、Excel 工作簿（.xlsx）或 JSON Lines（.jsonl）"
_FORMATS_EN = "a CSV file (.csv) in UTF-8 or GB18030/GBK, an Excel workbook (.xlsx) or JSON Lines (.jsonl)"
_DATE_FORMS = "2019-03-05、2019/3/5 或 2019年3月5日"
_FLAG_FORMS = "是/否、1/0、Y/N、true/false 或 yes/no"

# (code, variant) -> (Chinese, English). Variant None is the code's general message.
TEMPLATES: dict[tuple[Code, str | None], tuple[str, str]] = {
    # --- file errors ------------------------------------------------------------------------
    (Code.FILE_TOO_LARGE, None): (
        "文件大小为 {size_mb} MB，超过了 {limit_mb} MB 的上限。请把数据拆分成几个较小的文件分别上传。",
        "The file is {size_mb} MB, above the limit of {limit_mb} MB. Split the data into several smaller "
        "files and upload them one by one.",
    ),
    (Code.FILE_TOO_LARGE, "inflated"): (
        "该 Excel 文件解压后的内容达 {size_mb} MB，超过了 {limit_mb} MB 的上限"
        "（可能含有大量格式或隐藏内容）。"
        "请只保留数据所在的工作表后另存，或改用 CSV 格式上传。",
        "Unpacked, this Excel file holds {size_mb} MB, above the limit of {limit_mb} MB (it may carry a lot "
        "of formatting or hidden content). Keep only the data sheet and save it again, or upload a CSV file.",
    ),
    (Code.UNSUPPORTED_FORMAT, None): (
        "不支持文件“{filename}”的格式。请上传 " + _FORMATS + "；旧版 .xls 文件请先在 Excel 中另存为 .xlsx。",
        "The format of “{filename}” is not supported. Upload " + _FORMATS_EN + "; save an old .xls file "
        "as .xlsx in Excel first.",
    ),
    (Code.UNSUPPORTED_FORMAT, "corrupt_xlsx"): (
        "文件“{filename}”不是可以读取的 Excel 工作簿（.xlsx），可能已损坏，或只是改了扩展名。"
        "请用 Excel 打开后另存为 .xlsx，再重新上传。",
        "“{filename}” is not a readable Excel workbook (.xlsx): it may be damaged, or only its extension was "
        "changed. Open it in Excel, save it as .xlsx and upload it again.",
    ),
    (Code.UNSUPPORTED_FORMAT, "malformed_csv"): (
        "文件“{filename}”在第 {line} 行附近的 CSV 格式有误（{detail}），无法继续读取。"
        "请检查该处的英文引号是否成对，或在 Excel 中重新导出为 CSV。",
        "The CSV in “{filename}” is malformed near row {line} ({detail}) and cannot be read further. Check "
        "that the double quotes there come in pairs, or export the CSV again from Excel.",
    ),
    (Code.UNDECODABLE_TEXT, None): (
        "文件第 {line} 行（第 {offset} 个字节处）含有无法识别的字符：文件必须使用 UTF-8 或 GB18030/GBK 编码。"
        "请在 Excel 中选择“另存为 → CSV UTF-8（逗号分隔）”后重新上传。",
        "Row {line} of the file (at byte {offset}) holds bytes that are not valid text: the file must be "
        "encoded in UTF-8 or GB18030/GBK. In Excel, choose “Save As → CSV UTF-8 (Comma delimited)” and "
        "upload again.",
    ),
    (Code.UNDECODABLE_TEXT, "nul"): (
        "文件第 {line} 行（第 {offset} 个字节处）含有空字符，它可能是 UTF-16 编码的文本或二进制文件。"
        "请在 Excel 中选择“另存为 → CSV UTF-8（逗号分隔）”后重新上传。",
        "Row {line} of the file (at byte {offset}) holds a NUL byte: it may be UTF-16 text or a binary file. "
        "In Excel, choose “Save As → CSV UTF-8 (Comma delimited)” and upload again.",
    ),
    (Code.EMPTY_FILE, None): (
        "文件中没有数据行（为空或只有表头）。请填写数据后重新上传。",
        "The file holds no data rows (it is empty or has a header only). Fill in the data and upload again.",
    ),
    (Code.MISSING_COLUMN, None): (
        "缺少必需的列“{column_zh}”（{column}）。请在表头（第一行）加上这一列，列名写“{column_zh}”或“{column}”均可。",
        "The required column {column} ({column_zh}) is missing. Add it to the header (the first row), named "
        "“{column_zh}” or “{column}”.",
    ),
    (Code.MISSING_COLUMN, "no_indicator"): (
        "文件中没有任何{department_zh}可以报送的指标列。可报送的指标为：{allowed_zh}。",
        "The file has no indicator column that department {department} may send. It may send: {allowed}.",
    ),
    (Code.UNKNOWN_COLUMN, None): (
        "无法识别表头中的列“{value}”。{department_zh}可以使用的列为：{allowed_zh}。"
        "请核对列名（英文代码或中文名称均可，第一行必须是表头），或删除这一列。",
        "The column “{value}” in the header is unknown. Department {department} may use: {allowed}. Check "
        "the name (its code or its Chinese name; the first row must be the header) or remove the column.",
    ),
    (Code.UNKNOWN_COLUMN, "derived"): (
        "“{value}”（{column}）由系统根据其他指标计算得出，不需要也不能报送。请删除这一列。",
        "“{value}” ({column}) is computed from other indicators and is never uploaded. Remove the column.",
    ),
    (Code.UNKNOWN_COLUMN, "registry_only"): (
        "“{value}”（{column}）属于企业登记信息，只能由{registry_zh}在登记数据文件中报送。请删除这一列。",
        "“{value}” ({column}) is enterprise master data, sent only by department {registry} in its "
        "registry file. Remove the column.",
    ),
    (Code.COLUMN_NOT_OWNED, None): (
        "指标“{column_zh}”（{column}）由{owner_zh}报送，{department_zh}不能报送该指标。"
        "请删除这一列，或确认文件是否上传到了正确部门的目录。",
        "The indicator {column} ({column_zh}) is sent by department {owner}; department {department} may "
        "not send it. Remove the column, or check that the file went to the right department's folder.",
    ),
    (Code.DUPLICATE_COLUMN, None): (
        "“{column_zh}”（{column}）在表头中出现了不止一次（{headers}）。每个指标只能占一列，请删除多余的列。",
        "{column} ({column_zh}) appears more than once in the header ({headers}). Each indicator takes "
        "one column: remove the extra ones.",
    ),
    (Code.DUPLICATE_COLUMN, "jsonl"): (
        "第 {line} 行中“{column_zh}”（{column}）出现了不止一次（{headers}）。每行中每个指标只能出现一次。",
        "Line {line} holds {column} ({column_zh}) more than once ({headers}). Each indicator may appear "
        "once per line.",
    ),
    (Code.UNKNOWN_DEPARTMENT, None): (
        "无法识别上传目录中的部门“{department}”。"
        "文件应上传到 incoming/<部门代码>/ 下，部门代码为：{allowed}。",
        "The department “{department}” in the upload folder is unknown. Upload to incoming/<department>/, "
        "where department is one of: {allowed}.",
    ),
    (Code.UNKNOWN_DEPARTMENT, "none"): (
        "文件直接放在了 incoming/ 下，无法判断是哪个部门报送的。"
        "请上传到 incoming/<部门代码>/ 下，部门代码为：{allowed}。",
        "The file sits directly under incoming/, so its department is unknown. Upload to "
        "incoming/<department>/, where department is one of: {allowed}.",
    ),
    # --- row errors -------------------------------------------------------------------------
    (Code.INVALID_CREDIT_CODE, None): (
        "“{column_zh}”的值“{value}”格式不正确：统一社会信用代码为 18 位，"
        "由数字和大写英文字母组成（不使用 I、O、Z、S、V）。"
        "请对照营业执照更正。",
        "“{value}” in {column} is not a unified social credit code: it has 18 characters, digits and "
        "capital letters (never I, O, Z, S or V). Correct it from the business licence.",
    ),
    (Code.INVALID_CREDIT_CODE, "missing"): (
        "“{column_zh}”为空。每一行都必须填写企业的统一社会信用代码。",
        "{column} is empty. Every row needs the enterprise's unified social credit code.",
    ),
    (Code.INVALID_CREDIT_CODE, "not_text"): (
        "“{column_zh}”的值“{value}”被存成了数字，部分位数已经丢失。"
        "请在 Excel 中把这一列设为“文本”格式后重新填写代码。",
        "{column} holds “{value}” as a number, which has lost digits. Format the column as Text in Excel "
        "and enter the codes again.",
    ),
    (Code.CREDIT_CODE_CHECKSUM, None): (
        "统一社会信用代码“{value}”的校验位（第 18 位）与前 17 位不符，说明代码中至少有一位录入有误。"
        "请对照营业执照逐位核对。",
        "The check character (the 18th) of the unified social credit code “{value}” does not match the "
        "first 17: at least one character is mistyped. Check it character by character against the "
        "business licence.",
    ),
    (Code.INVALID_PERIOD, None): (
        "“{column_zh}”的值“{value}”无效：应为 2000 至 {max_year} 之间的四位年份，"
        "例如 {max_year} 或 {max_year}年。",
        "“{value}” in {column} is not a valid year: write a year from 2000 to {max_year}, e.g. {max_year} "
        "or {max_year}年.",
    ),
    (Code.INVALID_PERIOD, "missing"): (
        "“{column_zh}”为空。每一行都必须填写数据所属的年度，例如 {max_year}。",
        "{column} is empty. Every row needs the year its data belongs to, e.g. {max_year}.",
    ),
    (Code.INVALID_NUMBER, None): (
        "“{column_zh}”的值“{value}”不是有效的数字。请只填写数字（单位：{unit}），"
        "可带千位分隔符，例如 1234.5 或 1,234.5。",
        "“{value}” in {column} is not a number. Write digits only (unit: {unit}), thousands separators "
        "allowed, e.g. 1234.5 or 1,234.5.",
    ),
    (Code.INVALID_NUMBER, "not_whole"): (
        "“{column_zh}”是个数（单位：{unit}），必须填写整数，“{value}”不是整数。",
        "{column} is a count (unit: {unit}) and must be a whole number; “{value}” is not.",
    ),
    (Code.INVALID_NUMBER, "percent_not_allowed"): (
        "“{column_zh}”不是百分比指标，数值不能带 %。"
        "请去掉 %，填写以“{unit}”为单位的数值（当前为“{value}”）。",
        "{column} is not a percentage, so its value may not carry %. Remove the % and write the value in "
        "{unit} (it is “{value}”).",
    ),
    (Code.INVALID_NUMBER, "too_precise"): (
        "“{column_zh}”的值“{value}”小数位数过多，最多保留 {max_places} 位小数。",
        "“{value}” in {column} has too many decimal places: at most {max_places}.",
    ),
    (Code.OUT_OF_RANGE, None): (
        "“{column_zh}”的值“{value}”超出了允许的范围，请核对。",
        "“{value}” in {column} is out of the allowed range. Check it.",
    ),
    (Code.OUT_OF_RANGE, "negative"): (
        "“{column_zh}”的值“{value}”是负数，该指标不能为负。请核对数值。",
        "“{value}” in {column} is negative, which this indicator cannot be. Check the value.",
    ),
    (Code.OUT_OF_RANGE, "share"): (
        "“{column_zh}”是百分比，应在 0 到 100 之间，“{value}”超出了范围。例如 35.5% 请填写 35.5 或 35.5%。",
        "{column} is a percentage between 0 and 100; “{value}” is outside that range. For 35.5 %, write "
        "35.5 or 35.5%.",
    ),
    (Code.OUT_OF_RANGE, "too_large"): (
        "“{column_zh}”的值“{value}”过大。请确认数值的单位是“{unit}”。",
        "“{value}” in {column} is too large. Check that the value is in {unit}.",
    ),
    (Code.INVALID_FLAG, None): (
        "“{column_zh}”的值“{value}”无法识别。请填写 " + _FLAG_FORMS + "。",
        "“{value}” in {column} is not a yes/no value. Write 是/否, 1/0, Y/N, true/false or yes/no.",
    ),
    (Code.INVALID_DATE, None): (
        "“{column_zh}”的值“{value}”不是有效的日期。请填写真实存在的日期，格式为 " + _DATE_FORMS + "。",
        "“{value}” in {column} is not a valid date. Write a real calendar date as 2019-03-05, 2019/3/5 "
        "or 2019年3月5日.",
    ),
    (Code.INVALID_DATE, "future"): (
        "“{column_zh}”的值“{value}”晚于今天，请核对。",
        "“{value}” in {column} lies in the future. Check it.",
    ),
    (Code.INVALID_DATE, "too_old"): (
        "“{column_zh}”的值“{value}”早于 1900 年，请核对。",
        "“{value}” in {column} lies before 1900. Check it.",
    ),
    (Code.INVALID_DATE, "missing"): (
        "“{column_zh}”为空，请填写，格式为 " + _DATE_FORMS + "。",
        "{column} is empty. Fill it in as 2019-03-05, 2019/3/5 or 2019年3月5日.",
    ),
    (Code.INVALID_DATE, "before_start"): (
        "“{column_zh}”的值“{value}”早于起始日期，请核对。",
        "“{value}” in {column} lies before the start date. Check it.",
    ),
    (Code.OUTSIDE_ZONE_CITY, None): (
        "企业 {value} 登记在 {city}，不在本园区所在的设区市（{cities}）内，这一行没有入库。请核对名录。",
        "Enterprise {value} is registered in {city}, outside the zone's cities ({cities}); the row was not "
        "stored. Check the roll.",
    ),
    (Code.UNKNOWN_ZONE, None): (
        "“{column_zh}”的值“{value}”不是已知的开发区（可填编号、名称或曾用名），所属园区未更新，该行其余信息已入库。",
        "“{value}” in {column} is not a known zone (an id, its name or a former name); the zone was not "
        "changed, the rest of the row was stored.",
    ),
    (Code.INVALID_REGION, None): (
        "“{column_zh}”的值“{value}”不是江西省的行政区划代码："
        "应为以 36 开头的 6 位数字，例如 360100（南昌市）。",
        "“{value}” in {column} is not a Jiangxi administrative division code: 6 digits starting with 36, "
        "e.g. 360100 (Nanchang).",
    ),
    (Code.INVALID_REGION, "missing"): (
        "“{column_zh}”为空，请填写以 36 开头的 6 位行政区划代码，例如 360100。",
        "{column} is empty. Fill in the 6-digit division code starting with 36, e.g. 360100.",
    ),
    (Code.INVALID_INDUSTRY, None): (
        "“{column_zh}”的值“{value}”不是有效的国民经济行业代码（GB/T 4754-2017）：应为门类字母 A–T，"
        "可后接 2–4 位数字，例如 C、C39、C3911。",
        "“{value}” in {column} is not a GB/T 4754-2017 industry code: a section letter A–T, optionally "
        "followed by 2–4 digits, e.g. C, C39, C3911.",
    ),
    (Code.INVALID_INDUSTRY, "section_mismatch"): (
        "“{column_zh}”的值“{value}”中的大类 {division} 不属于门类 {section}"
        "（门类 {section} 的大类为 {divisions}）。"
        "请核对行业代码。",
        "In “{value}” ({column}), division {division} does not belong to section {section} (whose "
        "divisions are {divisions}). Check the industry code.",
    ),
    (Code.INVALID_INDUSTRY, "missing"): (
        "“{column_zh}”为空，请填写国民经济行业代码，例如 C3911。",
        "{column} is empty. Fill in the industry code, e.g. C3911.",
    ),
    (Code.DUPLICATE_ROW, None): (
        "企业 {value} 的 {period} 年度数据在本文件中出现了 {count} 次，"
        "无法判断以哪一行为准，这些行都没有入库。"
        "请只保留正确的一行后重新上传。",
        "Enterprise {value} appears {count} times for {period} in this file, so none of these rows can be "
        "trusted and none was stored. Keep the one correct row and upload again.",
    ),
    (Code.DUPLICATE_ROW, "registry"): (
        "企业 {value} 的登记信息在本文件中出现了 {count} 次，无法判断以哪一行为准，这些行都没有入库。"
        "请只保留正确的一行后重新上传。",
        "Enterprise {value} appears {count} times in this registry file, so none of these rows can be "
        "trusted and none was stored. Keep the one correct row and upload again.",
    ),
    (Code.INVALID_ROW, None): (
        "第 {row} 行无法读取，请核对这一行。",
        "Row {row} cannot be read. Check it.",
    ),
    (Code.INVALID_ROW, "not_json"): (
        "第 {row} 行不是合法的 JSON（{detail}）。JSON Lines 文件的每一行都应是一个 JSON 对象，"
        '例如 {{"credit_code": "…", "period": 2025}}。',
        "Line {row} is not valid JSON ({detail}). Each line of a JSON Lines file is one JSON object, e.g. "
        '{{"credit_code": "…", "period": 2025}}.',
    ),
    (Code.INVALID_ROW, "not_object"): (
        '第 {row} 行是 JSON，但不是对象（应以 {{ 开头，例如 {{"credit_code": "…", "period": 2025}}）。',
        'Line {row} is JSON but not an object (it should start with {{, e.g. {{"credit_code": "…", '
        '"period": 2025}}).',
    ),
    (Code.INVALID_ROW, "extra_cell"): (
        "该行第 {position} 列没有表头，却填写了“{value}”。请为这一列补上表头，或删除多余的值。",
        "Column {position} of this row has no header but holds “{value}”. Give the column a header or "
        "remove the value.",
    ),
    (Code.INVALID_ROW, "missing_name"): (
        "“{column_zh}”为空，请填写企业名称。",
        "{column} is empty. Fill in the enterprise's name.",
    ),
    (Code.INVALID_ROW, "name_too_long"): (
        "“{column_zh}”的值过长（超过 {max_chars} 个字），请核对。",
        "{column} is too long (over {max_chars} characters). Check it.",
    ),
    (Code.INVALID_ROW, "not_text"): (
        "“{column_zh}”的值“{value}”不是文字，请填写企业名称。",
        "“{value}” in {column} is not text. Write the enterprise's name.",
    ),
    # --- warnings ---------------------------------------------------------------------------
    (Code.ENTERPRISE_NOT_REGISTERED, None): (
        "系统中还没有企业 {value} 的登记信息。本行数据已保存，待登记部门报送该企业的登记信息后即参与计分。"
        "请确认统一社会信用代码无误。",
        "There is no master data for enterprise {value} yet. This row was stored and will be scored once "
        "the registry sends the enterprise's master data. Check that the credit code is right.",
    ),
}


def show(value: object) -> str | None:
    """A cell as a report quotes it: text, shortened; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class Issue:
    """One file error, row error or warning, as the batch report lists it."""

    code: Code
    message_zh: str
    message_en: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    @property
    def is_file_error(self) -> bool:
        return self.code in FILE_ERRORS

    def to_dict(self) -> dict[str, Any]:
        """The contract's shape: file errors without row and value, row errors and warnings with them."""
        if self.is_file_error:
            return {
                "code": str(self.code),
                "column": self.column,
                "message_zh": self.message_zh,
                "message_en": self.message_en,
            }
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": str(self.code),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def issue(
    code: Code,
    *,
    variant: str | None = None,
    row: int | None = None,
    column: str | None = None,
    column_zh: str | None = None,
    value: object = None,
    **params: object,
) -> Issue:
    """Build an Issue, rendering both messages. `params` fill the template's other placeholders.

    An unknown variant falls back to the code's general message (every code has one)."""
    zh, en = TEMPLATES.get((code, variant)) or TEMPLATES[(code, None)]
    shown = show(value)
    fields: dict[str, object] = {
        "row": row,
        "column": column or "",
        "column_zh": column_zh or column or "",
        "value": "" if shown is None else shown,
        **params,
    }
    return Issue(
        code=code,
        message_zh=zh.format(**fields),
        message_en=en.format(**fields),
        row=row,
        column=column,
        value=shown,
    )


def file_too_large(size_bytes: int, limit_bytes: int, *, inflated: bool = False) -> Issue:
    """FILE_TOO_LARGE for an upload (checked from the event) or an XLSX's unpacked content."""
    mib = 1024 * 1024
    return issue(
        Code.FILE_TOO_LARGE,
        variant="inflated" if inflated else None,
        size_mb=f"{size_bytes / mib:.1f}",
        limit_mb=f"{limit_bytes / mib:.0f}",
    )


def enterprise_not_registered(row: int, credit_code: str) -> Issue:
    """The warning the ingest service adds for a row whose enterprise has no master data yet."""
    return issue(Code.ENTERPRISE_NOT_REGISTERED, row=row, column="credit_code", value=credit_code)
