//! `GET /crm/v8/settings/fields?module=…`.

use super::*;

pub(super) async fn get_fields(
    ZohoToken(_token): ZohoToken,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(module) = q.get("module") else {
        return param_error(
            "REQUIRED_PARAM_MISSING",
            "required param is missing",
            "module",
        );
    };
    let Some(module) = parse_module(module) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"param_name": "module"}),
        );
    };
    let mut n = 0u64;
    let mut next_id = || {
        n += 1;
        format!("5725767000000{:06}", 500 + n)
    };
    let mut fields: Vec<Value> = standard_fields(module)
        .iter()
        .map(|(api_name, label, data_type)| {
            json!({
                "id": next_id(),
                "api_name": api_name,
                "field_label": label,
                "display_label": label,
                "data_type": data_type,
                "custom_field": false,
                "system_mandatory": mandatory(module).contains(api_name),
                "pick_list_values": [],
            })
        })
        .collect();
    for (api_name, label, data_type, options) in custom_fields(module) {
        let mut values = vec![json!({"display_value": "-None-", "actual_value": "-None-"})];
        values.extend(
            options
                .iter()
                .map(|o| json!({"display_value": o, "actual_value": o})),
        );
        fields.push(json!({
            "id": next_id(),
            "api_name": api_name,
            "field_label": label,
            "display_label": label,
            "data_type": data_type,
            "custom_field": true,
            "system_mandatory": false,
            "pick_list_values": if options.is_empty() { Vec::new() } else { values },
        }));
    }
    Json(json!({ "fields": fields })).into_response()
}
