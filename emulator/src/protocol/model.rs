//! The botocore service models, loaded from `emulator/models/` (documentation stripped by
//! `tools/strip_models.py`). They are the reference for operation names, shapes, constraints
//! and error shapes: decoding, validation and encoding all walk them.

use foldhash::HashMap;
use foldhash::HashMapExt as _;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// The wire protocol a service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    AwsJson,
    RestJson,
    AwsQuery,
}

/// The services keyhole serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceId {
    Kms,
    Backup,
    Organizations,
    Sts,
    Iam,
    AccessAnalyzer,
}

impl ServiceId {
    pub const ALL: [ServiceId; 6] = [
        ServiceId::Kms,
        ServiceId::Backup,
        ServiceId::Organizations,
        ServiceId::Sts,
        ServiceId::Iam,
        ServiceId::AccessAnalyzer,
    ];

    /// The SigV4 signing name and IAM action prefix.
    pub fn signing_name(self) -> &'static str {
        match self {
            ServiceId::Kms => "kms",
            ServiceId::Backup => "backup",
            ServiceId::Organizations => "organizations",
            ServiceId::Sts => "sts",
            ServiceId::Iam => "iam",
            ServiceId::AccessAnalyzer => "access-analyzer",
        }
    }

    pub fn from_signing_name(name: &str) -> Option<ServiceId> {
        ServiceId::ALL
            .into_iter()
            .find(|s| s.signing_name() == name)
    }

    pub fn protocol(self) -> Protocol {
        match self {
            ServiceId::Kms | ServiceId::Organizations => Protocol::AwsJson,
            ServiceId::Backup | ServiceId::AccessAnalyzer => Protocol::RestJson,
            ServiceId::Sts | ServiceId::Iam => Protocol::AwsQuery,
        }
    }

    /// Whether the service's state is global rather than per region.
    pub fn is_global(self) -> bool {
        matches!(
            self,
            ServiceId::Organizations | ServiceId::Iam | ServiceId::Sts
        )
    }

    fn source(self) -> &'static str {
        match self {
            ServiceId::Kms => include_str!("../../models/kms.json"),
            ServiceId::Backup => include_str!("../../models/backup.json"),
            ServiceId::Organizations => include_str!("../../models/organizations.json"),
            ServiceId::Sts => include_str!("../../models/sts.json"),
            ServiceId::Iam => include_str!("../../models/iam.json"),
            ServiceId::AccessAnalyzer => include_str!("../../models/accessanalyzer.json"),
        }
    }

    /// The parsed model; parsed on first use so an idle server stays small.
    pub fn model(self) -> &'static ServiceModel {
        static MODELS: [OnceLock<ServiceModel>; 6] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        MODELS[self as usize].get_or_init(|| ServiceModel::parse(self, self.source()))
    }
}

#[derive(Debug)]
pub struct ServiceModel {
    pub service: ServiceId,
    pub api_version: String,
    pub target_prefix: Option<String>,
    pub xml_namespace: Option<String>,
    pub botocore_version: String,
    pub operations: HashMap<String, Operation>,
    pub shapes: HashMap<String, Shape>,
    /// restJson operations in model order, for routing.
    pub routes: Vec<Route>,
}

#[derive(Debug)]
pub struct Operation {
    pub name: String,
    pub method: String,
    pub request_uri: String,
    pub response_code: u16,
    pub input: Option<String>,
    pub output: Option<String>,
    /// awsQuery wraps output members in `<{result_wrapper}>`.
    pub result_wrapper: Option<String>,
    pub errors: Vec<String>,
    /// Unsigned by design (`authtype: none`): STS AssumeRoleWithWebIdentity/WithSAML.
    pub no_auth: bool,
}

#[derive(Debug)]
pub struct Route {
    pub operation: String,
    pub method: String,
    pub segments: Vec<RouteSegment>,
    /// Literal query flags such as `?delete` that tell operations apart.
    pub required_query: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteSegment {
    Literal(String),
    Label(String),
    Greedy(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    Structure,
    List,
    Map,
    String,
    Integer,
    Long,
    Float,
    Double,
    Boolean,
    Timestamp,
    Blob,
}

#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub shape: String,
    pub location: Option<String>,
    pub location_name: Option<String>,
    pub flattened: bool,
    pub idempotency_token: bool,
}

#[derive(Debug)]
pub struct Shape {
    pub name: String,
    pub kind: ShapeKind,
    pub members: Vec<Member>,
    pub required: Vec<String>,
    pub list_member: Option<String>,
    pub list_member_location_name: Option<String>,
    pub map_key: Option<String>,
    pub map_value: Option<String>,
    pub flattened: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
    pub enum_values: Vec<String>,
    /// botocore's `sensitive` trait (plaintexts, passwords, tokens): never echoed in messages.
    pub sensitive: bool,
    pub exception: bool,
    /// awsQuery error code and status when they differ from the shape name.
    pub error_code: Option<String>,
    pub error_status: Option<u16>,
    pub sender_fault: bool,
    pub timestamp_format: Option<String>,
    compiled_pattern: OnceLock<Option<Pattern>>,
}

/// A model pattern: most compile with `regex`; a few use look-ahead and need `fancy_regex`.
#[derive(Debug)]
pub enum Pattern {
    Plain(Regex),
    Fancy(fancy_regex::Regex),
}

impl Pattern {
    fn compile(pattern: &str) -> Option<Pattern> {
        let anchored = format!("^(?:{pattern})$");
        match Regex::new(&anchored) {
            Ok(r) => Some(Pattern::Plain(r)),
            Err(_) => fancy_regex::Regex::new(&anchored).ok().map(Pattern::Fancy),
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Plain(r) => r.is_match(text),
            // A pattern that gives up (backtrack limit) does not reject the value.
            Pattern::Fancy(r) => r.is_match(text).unwrap_or(true),
        }
    }
}

impl Shape {
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    /// The model's pattern, compiled on first use. botocore patterns are Java-flavoured; a
    /// test checks that every one in the shipped models compiles.
    pub fn pattern_regex(&self) -> Option<&Pattern> {
        self.compiled_pattern
            .get_or_init(|| self.pattern.as_deref().and_then(Pattern::compile))
            .as_ref()
    }
}

impl ServiceModel {
    fn parse(service: ServiceId, source: &str) -> ServiceModel {
        // The models are committed files validated by tests; a broken one is a build defect.
        let root: Value = serde_json::from_str(source).unwrap_or(Value::Null);
        let metadata = &root["metadata"];
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let mut operations = HashMap::new();
        let mut routes = Vec::new();
        if let Some(ops) = root["operations"].as_object() {
            for (name, op) in ops {
                let method = text(&op["http"]["method"]).unwrap_or_else(|| "POST".into());
                let request_uri = text(&op["http"]["requestUri"]).unwrap_or_else(|| "/".into());
                let operation = Operation {
                    name: name.clone(),
                    method: method.clone(),
                    request_uri: request_uri.clone(),
                    response_code: op["http"]["responseCode"].as_u64().unwrap_or(200) as u16,
                    input: text(&op["input"]["shape"]),
                    output: text(&op["output"]["shape"]),
                    result_wrapper: text(&op["output"]["resultWrapper"]),
                    errors: op["errors"]
                        .as_array()
                        .map(|e| e.iter().filter_map(|e| text(&e["shape"])).collect())
                        .unwrap_or_default(),
                    no_auth: op["authtype"].as_str() == Some("none")
                        || op["auth"]
                            .as_array()
                            .is_some_and(|a| a.iter().any(|v| v == "smithy.api#noAuth")),
                };
                routes.push(Route::from_uri(name, &method, &request_uri));
                operations.insert(name.clone(), operation);
            }
        }
        let mut shapes = HashMap::new();
        if let Some(all) = root["shapes"].as_object() {
            for (name, raw) in all {
                shapes.insert(name.clone(), Shape::from_json(name, raw));
            }
        }
        // Literal segments first so `/backup/plans/templates` beats `/backup/plans/{id}`.
        routes.sort_by_key(|r| {
            std::cmp::Reverse(
                r.segments
                    .iter()
                    .filter(|s| matches!(s, RouteSegment::Literal(_)))
                    .count()
                    * 2
                    + r.required_query.len(),
            )
        });
        ServiceModel {
            service,
            api_version: text(&metadata["apiVersion"]).unwrap_or_default(),
            target_prefix: text(&metadata["targetPrefix"]),
            xml_namespace: text(&metadata["xmlNamespace"]),
            botocore_version: text(&metadata["botocoreVersion"]).unwrap_or_default(),
            operations,
            shapes,
            routes,
        }
    }

    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    /// Finds a restJson operation by method and raw path segments (still percent-encoded).
    pub fn route<'a>(
        &'a self,
        method: &str,
        raw_segments: &[&str],
        query_keys: &[String],
    ) -> RouteMatch<'a> {
        let mut path_matched = false;
        for route in &self.routes {
            if let Some(labels) = route.match_path(raw_segments) {
                path_matched = true;
                if route.method == method
                    && route.required_query.iter().all(|q| query_keys.contains(q))
                {
                    return RouteMatch::Found(route, labels);
                }
            }
        }
        if path_matched {
            RouteMatch::MethodNotAllowed
        } else {
            RouteMatch::NotFound
        }
    }
}

pub enum RouteMatch<'a> {
    Found(&'a Route, Vec<(String, String)>),
    MethodNotAllowed,
    NotFound,
}

impl Route {
    fn from_uri(operation: &str, method: &str, uri: &str) -> Route {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(label) => match label.strip_suffix('+') {
                        Some(greedy) => RouteSegment::Greedy(greedy.to_owned()),
                        None => RouteSegment::Label(label.to_owned()),
                    },
                    None => RouteSegment::Literal(s.to_owned()),
                },
            )
            .collect();
        let required_query = query
            .split('&')
            .filter(|q| !q.is_empty())
            .map(|q| q.split('=').next().unwrap_or(q).to_owned())
            .collect();
        Route {
            operation: operation.to_owned(),
            method: method.to_owned(),
            segments,
            required_query,
        }
    }

    /// Label values are percent-decoded per segment: ARNs arrive encoded.
    fn match_path(&self, raw: &[&str]) -> Option<Vec<(String, String)>> {
        let mut labels = Vec::new();
        let mut i = 0;
        for seg in &self.segments {
            match seg {
                RouteSegment::Literal(lit) => {
                    if raw.get(i).map(|r| decode_segment(r)) != Some(lit.clone()) {
                        return None;
                    }
                    i += 1;
                }
                RouteSegment::Label(name) => {
                    let value = decode_segment(raw.get(i)?);
                    if value.is_empty() {
                        return None;
                    }
                    labels.push((name.clone(), value));
                    i += 1;
                }
                RouteSegment::Greedy(name) => {
                    if i >= raw.len() {
                        return None;
                    }
                    let rest: Vec<String> = raw[i..].iter().map(|r| decode_segment(r)).collect();
                    labels.push((name.clone(), rest.join("/")));
                    i = raw.len();
                }
            }
        }
        (i == raw.len()).then_some(labels)
    }
}

pub fn decode_segment(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

impl Shape {
    fn from_json(name: &str, raw: &Value) -> Shape {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let kind = match raw["type"].as_str().unwrap_or("structure") {
            "list" => ShapeKind::List,
            "map" => ShapeKind::Map,
            "string" => ShapeKind::String,
            "integer" => ShapeKind::Integer,
            "long" => ShapeKind::Long,
            "float" => ShapeKind::Float,
            "double" => ShapeKind::Double,
            "boolean" => ShapeKind::Boolean,
            "timestamp" => ShapeKind::Timestamp,
            "blob" => ShapeKind::Blob,
            _ => ShapeKind::Structure,
        };
        let members = raw["members"]
            .as_object()
            .map(|members| {
                members
                    .iter()
                    .map(|(member_name, m)| Member {
                        name: member_name.clone(),
                        shape: text(&m["shape"]).unwrap_or_default(),
                        location: text(&m["location"]),
                        location_name: text(&m["locationName"]),
                        flattened: m["flattened"].as_bool().unwrap_or(false),
                        idempotency_token: m["idempotencyToken"].as_bool().unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        Shape {
            name: name.to_owned(),
            kind,
            members,
            required: strings(&raw["required"]),
            list_member: text(&raw["member"]["shape"]),
            list_member_location_name: text(&raw["member"]["locationName"]),
            map_key: text(&raw["key"]["shape"]),
            map_value: text(&raw["value"]["shape"]),
            flattened: raw["flattened"].as_bool().unwrap_or(false),
            min: raw["min"].as_f64(),
            max: raw["max"].as_f64(),
            pattern: text(&raw["pattern"]),
            enum_values: strings(&raw["enum"]),
            sensitive: raw["sensitive"].as_bool().unwrap_or(false),
            exception: raw["exception"].as_bool().unwrap_or(false),
            error_code: text(&raw["error"]["code"]),
            error_status: raw["error"]["httpStatusCode"].as_u64().map(|s| s as u16),
            sender_fault: raw["error"]["senderFault"].as_bool().unwrap_or(true),
            timestamp_format: text(&raw["timestampFormat"]),
            compiled_pattern: OnceLock::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_parses_with_its_operation_count() {
        // Counts from botocore 1.43.11; a changed model must be a deliberate update.
        let expected = [
            (ServiceId::Kms, 54),
            (ServiceId::Backup, 108),
            (ServiceId::Organizations, 63),
            (ServiceId::Sts, 11),
            (ServiceId::Iam, 176),
            (ServiceId::AccessAnalyzer, 39),
        ];
        for (service, count) in expected {
            assert_eq!(service.model().operations.len(), count, "{service:?}");
        }
        assert_eq!(
            ServiceId::Kms.model().target_prefix.as_deref(),
            Some("TrentService")
        );
    }

    #[test]
    fn every_pattern_in_the_models_compiles() {
        for service in ServiceId::ALL {
            for shape in service.model().shapes.values() {
                if shape.pattern.is_some() {
                    assert!(
                        shape.pattern_regex().is_some(),
                        "{service:?} {} {:?}",
                        shape.name,
                        shape.pattern
                    );
                }
            }
        }
    }

    #[test]
    fn backup_routes_decode_arn_labels() {
        let model = ServiceId::Backup.model();
        let segs = [
            "backup-vaults",
            "v1",
            "recovery-points",
            "arn%3Aaws%3Aec2%3Aus-east-1%3A111111111111%3Asnapshot%2Fsnap-0123",
        ];
        match model.route("GET", &segs, &[]) {
            RouteMatch::Found(route, labels) => {
                assert_eq!(route.operation, "DescribeRecoveryPoint");
                assert_eq!(
                    labels[1].1,
                    "arn:aws:ec2:us-east-1:111111111111:snapshot/snap-0123"
                );
            }
            _ => panic!("no route"),
        }
        match model.route("GET", &["backup", "template", "plans"], &[]) {
            RouteMatch::Found(route, _) => assert_eq!(route.operation, "ListBackupPlanTemplates"),
            _ => panic!("no route"),
        }
    }
}
