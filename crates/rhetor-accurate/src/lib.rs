pub mod dense; pub mod embed;
