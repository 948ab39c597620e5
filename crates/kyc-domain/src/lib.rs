//! The KYC/KYB Customer domain.
