//! A small router: a method and a path pattern (`/api/generation/:id`, matched by `matchit`, the
//! matcher `worker::Router` uses) name a route; the answer for no match tells a path that exists
//! with other methods (405) from one that does not (404), as `worker::Router` does.

use crate::message::Method;

/// The routes of one function, each naming a value of `T` (usually an enum of the handlers).
pub struct Router<T> {
    methods: Vec<(Method, matchit::Router<T>)>,
}

/// The parameters a pattern captured (`:id` → `id`), as they appear in the path (not decoded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a request matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed<T> {
    Found(T, Params),
    /// The path is a route, not with this method: 405, with the methods it has (the `Allow`
    /// header).
    MethodNotAllowed(Vec<Method>),
    /// No route has this path: 404.
    NotFound,
}

impl<T: Clone> Default for Router<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> Router<T> {
    pub fn new() -> Self {
        Self {
            methods: Vec::new(),
        }
    }

    /// Adds a route. Panics on a pattern that is malformed or conflicts with one added before: the
    /// routes are fixed in the code, and each function's tests build its router.
    pub fn route(mut self, method: Method, pattern: &str, value: T) -> Self {
        let index = match self.methods.iter().position(|(m, _)| *m == method) {
            Some(i) => i,
            None => {
                self.methods.push((method.clone(), matchit::Router::new()));
                self.methods.len() - 1
            }
        };
        if let Err(e) = self.methods[index].1.insert(pattern, value) {
            panic!("route {method} {pattern}: {e}");
        }
        self
    }

    pub fn get(self, pattern: &str, value: T) -> Self {
        self.route(Method::Get, pattern, value)
    }

    pub fn post(self, pattern: &str, value: T) -> Self {
        self.route(Method::Post, pattern, value)
    }

    pub fn delete(self, pattern: &str, value: T) -> Self {
        self.route(Method::Delete, pattern, value)
    }

    /// The route of `method` and `path` (a path without its query).
    pub fn at(&self, method: &Method, path: &str) -> Routed<T> {
        let of = |m: &Method| self.methods.iter().find(|(x, _)| x == m).map(|(_, r)| r);
        if let Some(found) = of(method).and_then(|r| r.at(path).ok()) {
            let params = found
                .params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            return Routed::Found(found.value.clone(), Params(params));
        }
        // As `worker::Router`: HEAD, OPTIONS and TRACE routes do not make a path exist.
        let allowed: Vec<Method> = self
            .methods
            .iter()
            .filter(|(m, r)| {
                !matches!(m, Method::Head | Method::Options | Method::Trace) && r.at(path).is_ok()
            })
            .map(|(m, _)| m.clone())
            .collect();
        if allowed.is_empty() {
            Routed::NotFound
        } else {
            Routed::MethodNotAllowed(allowed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router<u8> {
        Router::new()
            .get("/", 0)
            .post("/api/generation", 1)
            .get("/api/generation/:id", 2)
            .get("/api/generation/:id/images/:image", 3)
    }

    #[test]
    fn matches_method_and_path() {
        let r = router();
        assert_eq!(
            r.at(&Method::Get, "/api/generation/j-1/images/j-1-007.png"),
            Routed::Found(
                3,
                Params(vec![
                    ("id".into(), "j-1".into()),
                    ("image".into(), "j-1-007.png".into())
                ])
            )
        );
        match r.at(&Method::Get, "/api/generation/health-check") {
            Routed::Found(2, params) => assert_eq!(params.get("id"), Some("health-check")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(r.at(&Method::Get, "/"), Routed::Found(0, _)));
    }

    #[test]
    fn wrong_method_and_unknown_path() {
        let r = router();
        assert_eq!(
            r.at(&Method::Delete, "/api/generation"),
            Routed::MethodNotAllowed(vec![Method::Post])
        );
        assert_eq!(
            r.at(&Method::Head, "/api/generation/x"),
            Routed::MethodNotAllowed(vec![Method::Get])
        );
        assert_eq!(r.at(&Method::Get, "/api/nothing"), Routed::NotFound);
        assert_eq!(r.at(&Method::Get, "/api/generation/"), Routed::NotFound);
        assert_eq!(r.at(&Method::Get, "/api/generation/a/b"), Routed::NotFound);
    }
}
